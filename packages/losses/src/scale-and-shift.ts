import * as tf from '@tensorflow/tfjs-core';
import { checkLossInputs } from './inputs.js';
import { stopGradient, withoutGradient } from './no-gradient.js';

export interface ScaleAndShift {
  /** Per-image scale s [B]; 0 where the normal equations are singular (det = 0, e.g. an empty mask). */
  scale: tf.Tensor1D;
  /** Per-image shift t [B]; 0 where singular. */
  shift: tf.Tensor1D;
}

export interface ScaleAndShiftOptions {
  /** Treat s and t as constants in the backward pass (PyTorch `.detach()`). Default false: differentiate through the closed form, as the MiDaS gist does. */
  detach?: boolean;
}

/**
 * Closed-form least squares per image: (s, t) = argmin Σ m·(s·p + t − g)² via the 2×2 normal
 * equations (MiDaS gist `compute_scale_and_shift`). Differentiable with respect to prediction and
 * target; images whose determinant is exactly 0 get s = t = 0 with a zero gradient.
 */
export function computeScaleAndShift(
  prediction: tf.Tensor3D,
  target: tf.Tensor3D,
  mask: tf.Tensor,
  options: ScaleAndShiftOptions = {},
): ScaleAndShift {
  const result = tf.tidy(() => {
    const m = checkLossInputs(prediction, target, mask, 'computeScaleAndShift'); // [B, H, W]
    const mp = tf.mul(m, prediction); // [B, H, W]
    const a00 = tf.sum(tf.mul(mp, prediction), [1, 2]); // [B]
    const a01 = tf.sum(mp, [1, 2]); // [B]
    const a11 = tf.sum(m, [1, 2]); // [B]
    const b0 = tf.sum(tf.mul(mp, target), [1, 2]); // [B]
    const b1 = tf.sum(tf.mul(m, target), [1, 2]); // [B]
    const det = tf.sub(tf.mul(a00, a11), tf.mul(a01, a01)); // [B]
    const valid = withoutGradient((d) => tf.notEqual(d, 0), det); // [B] bool
    // Divide by 1 where singular so neither branch of the select (nor its gradient) holds Inf/NaN.
    const safeDet = tf.where(valid, det, tf.onesLike(det)); // [B]
    const zeros = tf.zerosLike(det); // [B]
    let scale = tf.where(valid, tf.div(tf.sub(tf.mul(a11, b0), tf.mul(a01, b1)), safeDet), zeros) as tf.Tensor1D; // [B]
    let shift = tf.where(valid, tf.div(tf.sub(tf.mul(a00, b1), tf.mul(a01, b0)), safeDet), zeros) as tf.Tensor1D; // [B]
    if (options.detach) {
      scale = stopGradient(scale);
      shift = stopGradient(shift);
    }
    return { scale, shift };
  });
  return result;
}

/** s·p + t per image: [B, H, W] with s, t [B]. */
export function applyScaleAndShift(prediction: tf.Tensor3D, scale: tf.Tensor1D, shift: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const b = prediction.shape[0];
    if (scale.shape[0] !== b || shift.shape[0] !== b) {
      throw new Error(`applyScaleAndShift: scale [${scale.shape}] and shift [${shift.shape}] must have the batch size ${b}`);
    }
    const s = tf.reshape(scale, [b, 1, 1]); // [B, 1, 1]
    const t = tf.reshape(shift, [b, 1, 1]); // [B, 1, 1]
    return tf.add(tf.mul(s, prediction), t) as tf.Tensor3D; // [B, H, W]
  });
}

/** Convenience: the prediction aligned to the target by the per-image least-squares scale and shift. */
export function alignPrediction(
  prediction: tf.Tensor3D,
  target: tf.Tensor3D,
  mask: tf.Tensor,
  options: ScaleAndShiftOptions = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    const { scale, shift } = computeScaleAndShift(prediction, target, mask, options);
    return applyScaleAndShift(prediction, scale, shift);
  });
}
