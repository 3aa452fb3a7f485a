import * as tf from '@tensorflow/tfjs-core';
import { Layer, Linear, type Rng, gelu } from '@anydepth/core';

/** DINOv2 `Mlp`: `fc2(GELU(fc1(x)))` with the exact erf GELU. Names `fc1` [hidden, D], `fc2` [D, hidden]. */
export class Mlp extends Layer {
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(dim: number, hiddenDim: number, rng?: Rng) {
    super();
    this.fc1 = this.addModule('fc1', new Linear(dim, hiddenDim, { rng }));
    this.fc2 = this.addModule('fc2', new Linear(hiddenDim, dim, { rng }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc2.forward(gelu(this.fc1.forward(x)))); // [B, N, D]
  }
}
