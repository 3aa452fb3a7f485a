import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@anydepth/core';
import { PreNormBlock } from '@anydepth/core/internal';
import { Attention } from './attention.js';
import type { Dinov2Config } from './config.js';
import { Mlp } from './mlp.js';
import { SwiGLUFused } from './swiglu.js';

/**
 * One DINOv2 block (`NestedTensorBlock` in eval mode), official names:
 *   x = x + ls1(attn(norm1(x)));  x = x + ls2(mlp(norm2(x)))
 */
export class Block extends PreNormBlock<Attention, Mlp | SwiGLUFused> {
  constructor(config: Dinov2Config, rng?: Rng) {
    const d = config.embedDim;
    const mlp = config.ffn === 'swiglu' ? new SwiGLUFused(d, config.ffnHiddenDim, rng) : new Mlp(d, config.ffnHiddenDim, rng);
    super(config, new Attention(d, config.numHeads, rng), mlp, { attention: 'attn', layerScales: ['ls1', 'ls2'], gain: 'gamma' });
  }

  /** x [B, N, D] → [B, N, D]. */
  forward(x: tf.Tensor): tf.Tensor {
    return this.residual(x, (normed) => this.attention.forward(normed));
  }
}
