import * as tf from '@tensorflow/tfjs-core';
import { type Rng, getDefaultRng } from '../rng.js';

/**
 * PyTorch's default initialisation for Linear and Conv weights: kaiming_uniform(a=√5), which is
 * U(−1/√fan_in, 1/√fan_in). Biases use the same bound.
 */
export function kaimingUniform(shape: number[], fanIn: number, rng: Rng = getDefaultRng()): tf.Tensor {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return tf.tensor(rng.uniformArray(shape.reduce((a, b) => a * b, 1), -bound, bound), shape);
}

export function normalInit(shape: number[], std: number, rng: Rng = getDefaultRng(), mean = 0): tf.Tensor {
  return tf.tensor(rng.normalArray(shape.reduce((a, b) => a * b, 1), mean, std), shape);
}
