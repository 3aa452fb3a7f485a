import * as tf from '@tensorflow/tfjs-core';
import { AffineNorm } from './affine-norm.js';

export interface LayerNormOptions {
  eps?: number;
  elementwiseAffine?: boolean;
}

/** Layer normalisation over the last axis. State-dict names `weight`, `bias` [D]. Default eps 1e-5. */
export class LayerNorm extends AffineNorm {
  constructor(
    readonly normalizedShape: number,
    options: LayerNormOptions = {},
  ) {
    super(normalizedShape, options.eps ?? 1e-5, options.elementwiseAffine ?? true);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (x.shape[x.rank - 1] !== this.normalizedShape) {
        throw new Error(`LayerNorm: expected last dimension ${this.normalizedShape}, got [${x.shape}]`);
      }
      const { mean, variance } = tf.moments(x, -1, true);
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight) y = tf.mul(y, this.weight);
      if (this.bias) y = tf.add(y, this.bias);
      return y;
    });
  }
}
