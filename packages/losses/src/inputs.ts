import * as tf from '@tensorflow/tfjs-core';

/** A [B, H, W] validity mask: any numeric or bool dtype, non-zero = valid. */
export type MaskLike = tf.Tensor3D | tf.Tensor;

/**
 * Checks that prediction, target and mask are [B, H, W] tensors of the same shape and returns the
 * mask as float32 0/1. Throws an error naming the offending tensor and its shape.
 */
export function checkLossInputs(prediction: tf.Tensor, target: tf.Tensor, mask: tf.Tensor, label = 'loss'): tf.Tensor3D {
  if (prediction.rank !== 3) throw new Error(`${label}: prediction must be [B, H, W], got shape [${prediction.shape}]`);
  if (!tf.util.arraysEqual(target.shape, prediction.shape)) {
    throw new Error(`${label}: target shape [${target.shape}] does not match prediction shape [${prediction.shape}]`);
  }
  if (!tf.util.arraysEqual(mask.shape, prediction.shape)) {
    throw new Error(`${label}: mask shape [${mask.shape}] does not match prediction shape [${prediction.shape}]`);
  }
  if (prediction.dtype !== 'float32' || target.dtype !== 'float32') {
    throw new Error(`${label}: prediction and target must be float32, got ${prediction.dtype} and ${target.dtype}`);
  }
  return floatMask(mask);
}

/** The mask as float32 0/1 (non-zero or true = 1). */
export function floatMask(mask: tf.Tensor): tf.Tensor3D {
  return tf.tidy(() =>
    mask.dtype === 'float32' ? tf.cast(tf.notEqual(mask, 0), 'float32') : tf.cast(tf.notEqual(tf.cast(mask, 'float32'), 0), 'float32'),
  ) as tf.Tensor3D;
}
