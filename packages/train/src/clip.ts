import * as tf from '@tensorflow/tfjs-core';

/**
 * Global-norm gradient clipping (`torch.nn.utils.clip_grad_norm_`): when the joint L2 norm of all
 * gradients exceeds `maxNorm`, every gradient is scaled by maxNorm / (norm + 1e-6). Returns the
 * (possibly new) gradients and the norm before clipping; replaced tensors are disposed.
 */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number | undefined): { grads: Record<string, tf.Tensor>; norm: number } {
  const names = Object.keys(grads);
  let norm = 0;
  if (names.length) {
    const total = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))));
    norm = total.dataSync()[0];
    total.dispose();
  }
  if (!maxNorm || !(norm > maxNorm)) return { grads, norm };
  const factor = maxNorm / (norm + 1e-6);
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) {
    out[n] = tf.mul(grads[n], factor);
    grads[n].dispose();
  }
  return { grads: out, norm };
}
