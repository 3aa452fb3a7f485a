import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../module.js';
import type { Rng } from '../rng.js';
import { kaimingUniform } from './init.js';

export interface LinearOptions {
  bias?: boolean;
  rng?: Rng;
}

/** `y = x W + b` over the last axis. State-dict names `weight` [out, in] and `bias` [out]. */
export class Linear extends Layer {
  readonly weight: tf.Variable; // [in, out]
  readonly bias: tf.Variable | null; // [out]

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    this.weight = this.addParameter('weight', kaimingUniform([inFeatures, outFeatures], inFeatures, options.rng), 'linear');
    this.bias = (options.bias ?? true) ? this.addParameter('bias', kaimingUniform([outFeatures], inFeatures, options.rng)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      if (x.shape[x.rank - 1] !== this.inFeatures) {
        throw new Error(`Linear: expected last dimension ${this.inFeatures}, got input shape [${x.shape}]`);
      }
      const flat = tf.reshape(x, [-1, this.inFeatures]); // [N, in]
      let y = tf.matMul(flat, this.weight); // [N, out]
      if (this.bias) y = tf.add(y, this.bias);
      return tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}
