import * as tf from '@tensorflow/tfjs-core';
import { type Rng, getDefaultRng } from '../rng.js';

let initialising = true;

/**
 * Builds modules without drawing random initial values: every `kaimingUniform` / `normalInit`
 * inside `build` gives zeros instead. For models whose weights are loaded right after, so that a
 * 300 M-parameter model does not first fill 1.2 GB with random numbers only to overwrite them.
 * The random generator is not advanced either.
 */
export function withoutInitialisation<T>(build: () => T): T {
  const before = initialising;
  initialising = false;
  try {
    return build();
  } finally {
    initialising = before;
  }
}

/**
 * PyTorch's default initialisation for Linear and Conv weights: kaiming_uniform(a=√5), which is
 * U(−1/√fan_in, 1/√fan_in). Biases use the same bound.
 */
export function kaimingUniform(shape: number[], fanIn: number, rng: Rng = getDefaultRng()): tf.Tensor {
  if (!initialising) return tf.zeros(shape);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return tf.tensor(
    rng.uniformArray(
      shape.reduce((a, b) => a * b, 1),
      -bound,
      bound,
    ),
    shape,
  );
}

export function normalInit(shape: number[], std: number, rng: Rng = getDefaultRng(), mean = 0): tf.Tensor {
  if (!initialising) return tf.zeros(shape);
  return tf.tensor(
    rng.normalArray(
      shape.reduce((a, b) => a * b, 1),
      mean,
      std,
    ),
    shape,
  );
}
