import * as tf from '@tensorflow/tfjs-core';
import { checkLossInputs } from './inputs.js';
import { type Reduction, reduceLoss } from './reduction.js';
import { type ScaleAndShiftOptions, applyScaleAndShift, computeScaleAndShift } from './scale-and-shift.js';

export interface MseOptions {
  reduction?: Reduction;
}

/**
 * MiDaS `mse_loss`: reduction(Σ_hw m·(p − g)², 2·M). Note the factor 2 in the denominator (the gist
 * divides by 2·M); with the batch reduction this is Σ m(p−g)² / (2·Σ M).
 */
export function mseLoss(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: MseOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const m = checkLossInputs(prediction, target, mask, 'mseLoss'); // [B, H, W]
    const count = tf.sum(m, [1, 2]) as tf.Tensor1D; // [B]
    const residual = tf.sub(prediction, target); // [B, H, W]
    const imageLoss = tf.sum(tf.mul(m, tf.square(residual)), [1, 2]) as tf.Tensor1D; // [B]
    return reduceLoss(imageLoss, tf.mul(count, 2) as tf.Tensor1D, options.reduction ?? 'batch');
  });
}

export interface SsiMseOptions extends MseOptions, ScaleAndShiftOptions {}

/**
 * Scale-and-shift-invariant MSE: the prediction is aligned to the target by the per-image
 * least-squares scale and shift (differentiably unless `detach`), then `mseLoss` is applied.
 */
export function ssiMseLoss(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: SsiMseOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const { scale, shift } = computeScaleAndShift(prediction, target, mask, { detach: options.detach });
    const aligned = applyScaleAndShift(prediction, scale, shift); // [B, H, W]
    return mseLoss(aligned, target, mask, options);
  });
}
