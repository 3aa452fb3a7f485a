import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../module.js';

/**
 * LayerScale: a learned per-channel gain [D] on a residual branch. Its state-dict name is the family's own:
 * DINOv2 (and DINOv3's torch-hub files) `gamma`, Hugging Face DINOv3 `lambda1`.
 */
export class LayerScale extends Layer {
  readonly gain: tf.Variable; // [D]

  constructor(
    readonly dim: number,
    initValue: number,
    readonly parameterName: 'gamma' | 'lambda1',
  ) {
    super();
    this.gain = this.addParameter(parameterName, tf.fill([dim], initValue));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.gain); // [..., D]
  }
}
