import * as tf from '@tensorflow/tfjs-core';
import { Linear, type Rng, scaledDotProductAttention } from '@anydepth/core';
import { MultiHeadAttentionBase } from '@anydepth/core/internal';

/**
 * DINOv2 multi-head self-attention (`Attention` / `MemEffAttention` without xformers): one fused
 * `qkv` projection with bias ([3D, D], q then k then v, head-major inside each), scaled dot
 * product over all tokens, `proj` back to D. The product itself is core's, shared with DINOv3
 * (per-head matMuls on wasm).
 */
export class Attention extends MultiHeadAttentionBase {
  readonly qkv: Linear;
  readonly proj: Linear;

  constructor(dim: number, numHeads: number, rng?: Rng) {
    super(dim, numHeads);
    this.qkv = this.addModule('qkv', new Linear(dim, 3 * dim, { rng }));
    this.proj = this.addModule('proj', new Linear(dim, dim, { rng }));
  }

  /** x [B, N, D] → [B, N, D]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [b, n, d] = x.shape;
      if (d !== this.dim) throw new Error(`Attention: expected width ${this.dim}, got input [${x.shape}]`);
      const qkv = tf.transpose(tf.reshape(this.qkv.forward(x), [b, n, 3, this.numHeads, this.headDim]), [2, 0, 3, 1, 4]); // [3, B, H, N, hd]
      const [q, k, v] = tf.unstack(qkv); // [B, H, N, hd] each
      const out = scaledDotProductAttention(tf.mul(q, this.scale), k, v); // [B, H, N, hd]
      const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, n, d]); // [B, N, D]
      return this.proj.forward(merged); // [B, N, D]
    });
  }
}
