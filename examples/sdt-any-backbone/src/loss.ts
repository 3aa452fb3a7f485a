import * as tf from '@tensorflow/tfjs-core';

/**
 * Scale-and-shift-invariant MSE (MiDaS): per image, the least-squares scale s and shift t aligning
 * the prediction to the target, then mean((s·pred + t − target)²). pred, target: [B, H, W, 1].
 */
export function ssiMse(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const b = pred.shape[0];
    const p = tf.reshape(pred, [b, -1]); // [B, N]
    const g = tf.reshape(target, [b, -1]); // [B, N]
    const n = p.shape[1]!;
    const a00 = tf.sum(tf.square(p), 1); // [B]
    const a01 = tf.sum(p, 1);
    const b0 = tf.sum(tf.mul(p, g), 1);
    const b1 = tf.sum(g, 1);
    const det = tf.sub(tf.mul(a00, n), tf.square(a01));
    const safe = tf.maximum(det, 1e-6);
    const s = tf.div(tf.sub(tf.mul(b0, n), tf.mul(a01, b1)), safe); // [B]
    const t = tf.div(tf.sub(tf.mul(a00, b1), tf.mul(a01, b0)), safe);
    const aligned = tf.add(tf.mul(p, tf.expandDims(s, 1)), tf.expandDims(t, 1)); // [B, N]
    return tf.mean(tf.square(tf.sub(aligned, g))) as tf.Scalar;
  });
}
