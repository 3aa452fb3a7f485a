import * as tf from '@tensorflow/tfjs-core';
import { LayerNorm, Module, type Rng } from '@anydepth/core';
import { Attention } from './attention.js';
import type { DinoV3Config } from './config.js';
import { LayerScale } from './layer-scale.js';
import { Mlp } from './mlp.js';
import { SwiGLU } from './swiglu.js';

/**
 * One transformer block (HF `DINOv3ViTLayer`, torch hub `SelfAttentionBlock`):
 *   x = x + layer_scale1(attention(norm1(x), rope))
 *   x = x + layer_scale2(mlp(norm2(x)))
 */
export class Block extends Module {
  readonly norm1: LayerNorm;
  readonly attention: Attention;
  readonly layerScale1: LayerScale;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp | SwiGLU;
  readonly layerScale2: LayerScale;

  constructor(config: DinoV3Config, rng?: Rng) {
    super();
    const d = config.embedDim;
    this.norm1 = this.addModule('norm1', new LayerNorm(d, { eps: config.layerNormEps }));
    this.attention = this.addModule('attention', new Attention(d, config.numHeads, rng));
    this.layerScale1 = this.addModule('layer_scale1', new LayerScale(d, config.layerScaleInit));
    this.norm2 = this.addModule('norm2', new LayerNorm(d, { eps: config.layerNormEps }));
    this.mlp = this.addModule('mlp', config.ffn === 'swiglu' ? new SwiGLU(d, config.ffnHiddenDim, rng) : new Mlp(d, config.ffnHiddenDim, rng));
    this.layerScale2 = this.addModule('layer_scale2', new LayerScale(d, config.layerScaleInit));
  }

  /** x [B, N, D], RoPE tables sin/cos [N, hd] → [B, N, D]. */
  forward(x: tf.Tensor, sin: tf.Tensor | null, cos: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.add(x, this.layerScale1.forward(this.attention.attend(this.norm1.forward(x), sin, cos))); // [B, N, D]
      return tf.add(h, this.layerScale2.forward(this.mlp.forward(this.norm2.forward(h)))); // [B, N, D]
    });
  }
}
