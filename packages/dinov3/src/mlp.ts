import * as tf from '@tensorflow/tfjs-core';
import { Layer, Linear, type Rng, gelu } from '@anydepth/core';

/**
 * The plain feed-forward block of ViT-S/B/L: `down_proj(GELU(up_proj(x)))` with the exact erf GELU.
 * HF names `up_proj` (hidden, D) and `down_proj` (D, hidden); torch hub `fc1` / `fc2`.
 */
export class Mlp extends Layer {
  readonly upProj: Linear;
  readonly downProj: Linear;

  constructor(dim: number, hiddenDim: number, rng?: Rng) {
    super();
    this.upProj = this.addModule('up_proj', new Linear(dim, hiddenDim, { rng }));
    this.downProj = this.addModule('down_proj', new Linear(hiddenDim, dim, { rng }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const hidden = gelu(this.upProj.forward(x)); // [B, N, hidden]
      return this.downProj.forward(hidden); // [B, N, D]
    });
  }
}
