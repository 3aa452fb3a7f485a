import * as tf from '@tensorflow/tfjs-core';

/**
 * How per-image loss sums become one number (MiDaS gist):
 * - `'batch'` (default): Σ_b loss_b / Σ_b M_b — every valid pixel of the batch weighs the same.
 * - `'image'`: mean_b(loss_b / M_b) — every image weighs the same; images with M_b = 0 count as 0.
 */
export type Reduction = 'batch' | 'image';

/** Reduces per-image loss sums `imageLoss` [B] by per-image counts `count` [B]; 0 (never NaN) where counts are 0. */
export function reduceLoss(imageLoss: tf.Tensor1D, count: tf.Tensor1D, reduction: Reduction = 'batch'): tf.Scalar {
  return tf.tidy(() => {
    if (reduction === 'batch') {
      const total = tf.sum(count); // []
      // An empty batch has imageLoss = 0 everywhere (every term is masked), so 0 / 1 = 0.
      const safe = tf.where(tf.greater(total, 0), total, tf.onesLike(total)); // []
      return tf.div(tf.sum(imageLoss), safe) as tf.Scalar;
    }
    if (reduction === 'image') {
      const safe = tf.where(tf.greater(count, 0), count, tf.onesLike(count)); // [B]
      return tf.mean(tf.div(imageLoss, safe)) as tf.Scalar;
    }
    throw new Error(`unknown reduction '${reduction as string}' (use 'batch' or 'image')`);
  });
}
