import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@anydepth/core';
import { PreNormBlock } from '@anydepth/core/internal';
import { Attention } from './attention.js';
import type { DinoV3Config } from './config.js';
import { Mlp } from './mlp.js';
import { SwiGLU } from './swiglu.js';

/**
 * One transformer block (HF `DINOv3ViTLayer`, torch hub `SelfAttentionBlock`), HF names:
 *   x = x + layer_scale1(attention(norm1(x), rope))
 *   x = x + layer_scale2(mlp(norm2(x)))
 */
export class Block extends PreNormBlock<Attention, Mlp | SwiGLU> {
  constructor(config: DinoV3Config, rng?: Rng) {
    const d = config.embedDim;
    const attention = new Attention(d, config.numHeads, rng);
    const mlp = config.ffn === 'swiglu' ? new SwiGLU(d, config.ffnHiddenDim, rng) : new Mlp(d, config.ffnHiddenDim, rng);
    super(config, attention, mlp, { attention: 'attention', layerScales: ['layer_scale1', 'layer_scale2'], gain: 'lambda1' });
  }

  /** x [B, N, D], RoPE tables sin/cos [N, hd] → [B, N, D]. */
  forward(x: tf.Tensor, sin: tf.Tensor | null, cos: tf.Tensor | null): tf.Tensor {
    return this.residual(x, (normed) => this.attention.attend(normed, sin, cos));
  }
}
