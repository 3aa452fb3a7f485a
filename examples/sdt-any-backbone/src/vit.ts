import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, LayerNorm, Linear, Module, ModuleList, gelu, normalInit } from '@anydepth/core';

/** Multi-head self-attention over [B, N, D] tokens. */
class Attention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;

  constructor(
    readonly dim: number,
    readonly heads: number,
  ) {
    super();
    this.qkv = this.addModule('qkv', new Linear(dim, 3 * dim));
    this.proj = this.addModule('proj', new Linear(dim, dim));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [b, n, d] = x.shape;
      const hd = d / this.heads;
      const qkv = tf.transpose(tf.reshape(this.qkv.forward(x), [b, n, 3, this.heads, hd]), [2, 0, 3, 1, 4]); // [3, B, heads, N, hd]
      const [q, k, v] = tf.unstack(qkv, 0); // [B, heads, N, hd] each
      const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), -1); // [B, heads, N, N]
      const out = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, n, d]); // [B, N, D]
      return this.proj.forward(out);
    });
  }
}

/** Pre-norm transformer block: x + attn(LN(x)), then x + MLP(LN(x)). */
class Block extends Module {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(dim: number, heads: number) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, { eps: 1e-6 }));
    this.attn = this.addModule('attn', new Attention(dim, heads));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim, { eps: 1e-6 }));
    this.fc1 = this.addModule('fc1', new Linear(dim, 4 * dim));
    this.fc2 = this.addModule('fc2', new Linear(4 * dim, dim));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = tf.add(x, this.attn.forward(this.norm1.forward(x))); // [B, N, D]
      return tf.add(y, this.fc2.forward(gelu(this.fc1.forward(this.norm2.forward(y)))));
    });
  }
}

export interface TinyViTOptions {
  patchSize: number;
  dim: number;
  depth: number;
  heads: number;
  /** Token grid of the training images (learned absolute position embeddings). */
  grid: [number, number];
}

/**
 * A plain ViT that is not DINOv3: 12-px patches, learned absolute position embeddings, no class
 * token, no registers. `forward` returns the patch tokens after every block as NHWC maps,
 * the format the SDT head takes.
 */
export class TinyViT extends Module {
  readonly patchEmbed: Conv2d;
  readonly posEmbed: tf.Variable;
  readonly blocks: ModuleList<Block>;

  constructor(readonly options: TinyViTOptions) {
    super();
    const { patchSize, dim, depth, heads, grid } = options;
    this.patchEmbed = this.addModule('patch_embed', new Conv2d(3, dim, patchSize, { stride: patchSize }));
    this.posEmbed = this.addParameter('pos_embed', normalInit([1, grid[0] * grid[1], dim], 0.02));
    this.blocks = this.addModule('blocks', new ModuleList(Array.from({ length: depth }, () => new Block(dim, heads))));
  }

  /** images [B, H, W, 3] → one `{ patches: [B, H/p, W/p, D] }` per block (no `cls`). */
  forward(images: tf.Tensor): Array<{ patches: tf.Tensor }> {
    return tf.tidy(() => {
      const emb = this.patchEmbed.forward(images); // [B, h, w, D]
      const [b, h, w, d] = emb.shape;
      let x = tf.add(tf.reshape(emb, [b, h * w, d]), this.posEmbed); // [B, N, D]
      const out: Array<{ patches: tf.Tensor }> = [];
      for (const block of this.blocks.items) {
        x = block.forward(x);
        out.push({ patches: tf.reshape(x, [b, h, w, d]) }); // row-major tokens = NHWC
      }
      return out;
    });
  }
}
