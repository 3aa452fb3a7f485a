import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '@anydepth/core';

/** LayerScale: a learned per-channel gain on each residual branch, official name `gamma` [D]. */
export class LayerScale extends Layer {
  readonly gamma: tf.Variable; // [D]

  constructor(
    readonly dim: number,
    initValue = 1.0,
  ) {
    super();
    this.gamma = this.addParameter('gamma', tf.fill([dim], initValue));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.gamma); // [..., D]
  }
}
