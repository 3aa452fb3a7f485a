import * as tf from '@tensorflow/tfjs-core';
import { Layer, Linear, type Rng, silu } from '@anydepth/core';

/**
 * DINOv2 `SwiGLUFFNFused` (ViT-g): `w12` projects to 2·hidden, split into (x1, x2),
 * `w3(silu(x1) · x2)`. Names `w12` [2·hidden, D], `w3` [D, hidden].
 */
export class SwiGLUFused extends Layer {
  readonly w12: Linear;
  readonly w3: Linear;

  constructor(
    dim: number,
    readonly hiddenDim: number,
    rng?: Rng,
  ) {
    super();
    this.w12 = this.addModule('w12', new Linear(dim, 2 * hiddenDim, { rng }));
    this.w3 = this.addModule('w3', new Linear(hiddenDim, dim, { rng }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [x1, x2] = tf.split(this.w12.forward(x), 2, -1); // [B, N, hidden] each
      return this.w3.forward(tf.mul(silu(x1), x2)); // [B, N, D]
    });
  }
}
