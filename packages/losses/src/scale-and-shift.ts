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
export function computeScaleAndShift(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: ScaleAndShiftOptions = {}): ScaleAndShift {
  const result = tf.tidy(() => {
    const m = checkLossInputs(prediction, target, mask, 'computeScaleAndShift'); // [B, H, W]
    // Centred form of the 2×2 normal equations: with n = Σm, p̄ = Σmp/n, ḡ = Σmg/n,
    // det = a00·a11 − a01² = n·Sxx, s = Sxy/Sxx, t = ḡ − s·p̄ — the same solution, but float32 does not
    // lose digits to the cancellation in a00·a11 − a01².
    const n = tf.sum(m, [1, 2]); // [B]
    const hasPixels = tf.greater(n, 0); // [B]
    const safeN = tf.where(hasPixels, n, tf.onesLike(n)); // [B]
    const [b] = prediction.shape;
    const pMean = tf.div(tf.sum(tf.mul(m, prediction), [1, 2]), safeN); // [B]
    const gMean = tf.div(tf.sum(tf.mul(m, target), [1, 2]), safeN); // [B]
    const pc = tf.mul(m, tf.sub(prediction, tf.reshape(pMean, [b, 1, 1]))); // [B, H, W]
    const gc = tf.sub(target, tf.reshape(gMean, [b, 1, 1])); // [B, H, W]
    const sxx = tf.sum(tf.square(pc), [1, 2]); // [B]
    const sxy = tf.sum(tf.mul(pc, gc), [1, 2]); // [B]
    // det != 0 ⇔ n > 0 and Sxx != 0 (decided outside the tape: comparisons have no registered gradient).
    const valid = withoutGradient((sx, c) => tf.logicalAnd(tf.notEqual(sx, 0), tf.greater(c, 0)), sxx, n); // [B] bool
    // Divide by 1 where singular so neither branch of the select (nor its gradient) holds Inf/NaN.
    const safeSxx = tf.where(valid, sxx, tf.onesLike(sxx)); // [B]
    const zeros = tf.zerosLike(sxx); // [B]
    let scale = tf.where(valid, tf.div(sxy, safeSxx), zeros) as tf.Tensor1D; // [B]
    let shift = tf.where(valid, tf.sub(gMean, tf.mul(scale, pMean)), zeros) as tf.Tensor1D; // [B]
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
export function alignPrediction(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: ScaleAndShiftOptions = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const { scale, shift } = computeScaleAndShift(prediction, target, mask, options);
    return applyScaleAndShift(prediction, scale, shift);
  });
}
