import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '@anydepth/core';

/**
 * LayerScale: a learned per-channel gain on each residual branch. HF name `lambda1` (D); the
 * torch-hub checkpoints call it `ls{1,2}.gamma`.
 */
export class LayerScale extends Layer {
  readonly lambda1: tf.Variable; // [D]

  constructor(
    readonly dim: number,
    initValue = 1e-5,
  ) {
    super();
    this.lambda1 = this.addParameter('lambda1', tf.fill([dim], initValue));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.lambda1); // [..., D]
  }
}
