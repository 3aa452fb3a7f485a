import * as tf from '@tensorflow/tfjs-core';
import type { Layer } from '../module.js';
import { Module } from '../module.js';
import type { VitConfigBase } from '../vit-config.js';
import { LayerNorm } from './layer-norm.js';
import { LayerScale } from './layer-scale.js';

/** The state-dict names of a pre-norm block's branches, which each DINO family spells its own way. */
export interface PreNormBlockNames {
  /** `attn` (DINOv2) or `attention` (HF DINOv3). */
  attention: string;
  /** `ls1`/`ls2` (DINOv2) or `layer_scale1`/`layer_scale2` (HF DINOv3). */
  layerScales: [string, string];
  /** The LayerScale gain: `gamma` (DINOv2) or `lambda1` (HF DINOv3). */
  gain: 'gamma' | 'lambda1';
}

/**
 * A pre-norm ViT block with LayerScale (DINOv2 `NestedTensorBlock`, DINOv3 `SelfAttentionBlock` / HF
 * `DINOv3ViTLayer`):
 *   x = x + layerScale1(attention(norm1(x)));  x = x + layerScale2(mlp(norm2(x)))
 * The children are registered in the official order (norm1, attention, scale 1, norm2, mlp, scale 2); the family
 * builds its attention and feed-forward and says how attention is called (DINOv3 passes RoPE tables).
 */
export abstract class PreNormBlock<A extends Module, F extends Layer> extends Module {
  readonly norm1: LayerNorm;
  readonly attention: A;
  readonly layerScale1: LayerScale;
  readonly norm2: LayerNorm;
  readonly mlp: F;
  readonly layerScale2: LayerScale;

  constructor(config: Pick<VitConfigBase, 'embedDim' | 'layerNormEps' | 'layerScaleInit'>, attention: A, mlp: F, names: PreNormBlockNames) {
    super();
    const d = config.embedDim;
    this.norm1 = this.addModule('norm1', new LayerNorm(d, { eps: config.layerNormEps }));
    this.attention = this.addModule(names.attention, attention);
    this.layerScale1 = this.addModule(names.layerScales[0], new LayerScale(d, config.layerScaleInit, names.gain));
    this.norm2 = this.addModule('norm2', new LayerNorm(d, { eps: config.layerNormEps }));
    this.mlp = this.addModule('mlp', mlp);
    this.layerScale2 = this.addModule(names.layerScales[1], new LayerScale(d, config.layerScaleInit, names.gain));
  }

  /** x [B, N, D] → [B, N, D], with `attend` the attention branch applied to the normalised tokens. */
  protected residual(x: tf.Tensor, attend: (normed: tf.Tensor) => tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.add(x, this.layerScale1.forward(attend(this.norm1.forward(x)))); // [B, N, D]
      return tf.add(h, this.layerScale2.forward(this.mlp.forward(this.norm2.forward(h)))); // [B, N, D]
    });
  }
}
