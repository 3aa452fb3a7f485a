import * as tf from '@tensorflow/tfjs-core';
import { LayerNorm, Module, type Rng } from '@anydepth/core';
import { Attention } from './attention.js';
import type { Dinov2Config } from './config.js';
import { LayerScale } from './layer-scale.js';
import { Mlp } from './mlp.js';
import { SwiGLUFused } from './swiglu.js';

/**
 * One DINOv2 block (`NestedTensorBlock` in eval mode), official names:
 *   x = x + ls1(attn(norm1(x)));  x = x + ls2(mlp(norm2(x)))
 */
export class Block extends Module {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly ls1: LayerScale;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp | SwiGLUFused;
  readonly ls2: LayerScale;

  constructor(config: Dinov2Config, rng?: Rng) {
    super();
    const d = config.embedDim;
    this.norm1 = this.addModule('norm1', new LayerNorm(d, { eps: config.layerNormEps }));
    this.attn = this.addModule('attn', new Attention(d, config.numHeads, rng));
    this.ls1 = this.addModule('ls1', new LayerScale(d, config.layerScaleInit));
    this.norm2 = this.addModule('norm2', new LayerNorm(d, { eps: config.layerNormEps }));
    this.mlp = this.addModule('mlp', config.ffn === 'swiglu' ? new SwiGLUFused(d, config.ffnHiddenDim, rng) : new Mlp(d, config.ffnHiddenDim, rng));
    this.ls2 = this.addModule('ls2', new LayerScale(d, config.layerScaleInit));
  }

  /** x [B, N, D] → [B, N, D]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.add(x, this.ls1.forward(this.attn.forward(this.norm1.forward(x)))); // [B, N, D]
      return tf.add(h, this.ls2.forward(this.mlp.forward(this.norm2.forward(h)))); // [B, N, D]
    });
  }
}
