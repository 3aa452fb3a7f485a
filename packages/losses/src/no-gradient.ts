import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` outside the gradient tape and returns its result with a zero gradient towards every
 * input. tfjs-core registers no gradient for comparisons, TopK or OneHot, and `tf.grad` throws when
 * such an op lies between x and y; wrapping the decision (a condition, an index, a keep mask) here
 * keeps the surrounding computation differentiable, the way PyTorch treats boolean indexing.
 */
export function withoutGradient<T extends tf.Tensor>(fn: (...inputs: tf.Tensor[]) => T, ...inputs: tf.Tensor[]): T {
  const wrapped = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return {
      value: fn(...xs),
      gradFunc: () => xs.map((x) => tf.zerosLike(x)),
    };
  });
  return wrapped(...inputs) as T;
}

/**
 * Identity in the forward pass with a zero gradient: PyTorch's `x.detach()`. Used for the option to
 * treat the closed-form scale and shift as constants.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return withoutGradient((v) => tf.clone(v) as T, x);
}
