import * as tf from '@tensorflow/tfjs-core';
import { Linear, type Rng, scaledDotProductAttention } from '@anydepth/core';
import { MultiHeadAttentionBase } from '@anydepth/core/internal';
import { applyRope } from './rope.js';

/**
 * Multi-head self-attention with RoPE on the patch tokens (spec §2.2; HF `DINOv3ViTAttention`).
 * HF names `q_proj`, `k_proj` (no bias: the original K bias is masked to zero), `v_proj`, `o_proj`;
 * torch hub stores q/k/v fused as `qkv` with a `bias_mask` (see weights.ts).
 * All heads run in one batched matMul: q, k, v are [B, heads, N, hd].
 */
export class Attention extends MultiHeadAttentionBase {
  readonly qProj: Linear;
  readonly kProj: Linear;
  readonly vProj: Linear;
  readonly oProj: Linear;

  constructor(dim: number, numHeads: number, rng?: Rng) {
    super(dim, numHeads);
    this.qProj = this.addModule('q_proj', new Linear(dim, dim, { rng }));
    this.kProj = this.addModule('k_proj', new Linear(dim, dim, { bias: false, rng }));
    this.vProj = this.addModule('v_proj', new Linear(dim, dim, { rng }));
    this.oProj = this.addModule('o_proj', new Linear(dim, dim, { rng }));
  }

  /** Attention without positions; the encoder calls {@link attend} with the RoPE tables. */
  forward(x: tf.Tensor): tf.Tensor {
    return this.attend(x, null, null);
  }

  /** x [B, N, D]; sin/cos [N, hd] (or null for no RoPE) → [B, N, D]. */
  attend(x: tf.Tensor, sin: tf.Tensor | null, cos: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      const [b, n, d] = x.shape;
      if (d !== this.dim) throw new Error(`Attention: expected width ${this.dim}, got input [${x.shape}]`);
      const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [b, n, this.numHeads, this.headDim]), [0, 2, 1, 3]); // [B, H, N, hd]
      let q = split(this.qProj.forward(x));
      let k = split(this.kProj.forward(x));
      const v = split(this.vProj.forward(x));
      if (sin && cos) {
        q = applyRope(q, sin, cos);
        k = applyRope(k, sin, cos);
      }
      // Scaling q (N·hd values) instead of the scores (N² values) is the same product, cheaper.
      const out = scaledDotProductAttention(tf.mul(q, this.scale), k, v); // [B, H, N, hd]
      const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, n, d]); // [B, N, D]
      return this.oProj.forward(merged); // [B, N, D]
    });
  }
}

// The attention product (and its per-backend strategy) is shared with every ViT: it lives in core.
export { type AttentionStrategy, setAttentionStrategy, getAttentionStrategy, scaledDotProductAttention } from '@anydepth/core';
