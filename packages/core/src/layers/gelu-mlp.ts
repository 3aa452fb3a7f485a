import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../module.js';
import type { Rng } from '../rng.js';
import { gelu } from './activations.js';
import { Linear } from './linear.js';

/** The state-dict names of a `GeluMlp`'s two projections (DINOv2 `fc1`/`fc2`, HF DINOv3 `up_proj`/`down_proj`). */
export interface GeluMlpNames {
  up: string;
  down: string;
}

/**
 * The ViT feed-forward block `down(GELU(up(x)))` with the exact erf GELU: `up` [hidden, D], `down` [D, hidden]
 * under the names the model family uses.
 */
export class GeluMlp extends Layer {
  readonly up: Linear;
  readonly down: Linear;

  constructor(dim: number, hiddenDim: number, names: GeluMlpNames, rng?: Rng) {
    super();
    this.up = this.addModule(names.up, new Linear(dim, hiddenDim, { rng }));
    this.down = this.addModule(names.down, new Linear(hiddenDim, dim, { rng }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const hidden = gelu(this.up.forward(x)); // [B, N, hidden]
      return this.down.forward(hidden); // [B, N, D]
    });
  }
}
