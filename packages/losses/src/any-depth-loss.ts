import * as tf from '@tensorflow/tfjs-core';
import { gradientMatchingLossPerScale } from './gradient-matching.js';
import type { Reduction } from './reduction.js';
import { applyScaleAndShift, computeScaleAndShift } from './scale-and-shift.js';
import { mseLoss } from './ssi-mse.js';

export interface AnyDepthLossOptions {
  /** Weight of the gradient matching term. Default 2 (DAv2 / AnyDepth 1:2); the MiDaS gist default is 0.5. */
  alpha?: number;
  /** Gradient matching scales. Default 4. */
  scales?: number;
  /** 'batch' (default) or 'image'. */
  reduction?: Reduction;
  /** Treat the closed-form scale and shift as constants. Default false (gradients flow through them). */
  detachScaleShift?: boolean;
}

export interface AnyDepthLossTerms {
  /** data + alpha·gradient, a scalar. */
  total: tf.Scalar;
  /** SSI MSE on the aligned prediction (factor 2 in the denominator). */
  dataLoss: tf.Scalar;
  /** Σ over scales of the gradient matching loss on the aligned prediction. */
  gradientLoss: tf.Scalar;
  /** The gradient matching term per scale k (stride 2^k). */
  gradientLossPerScale: tf.Scalar[];
  scale: tf.Tensor1D;
  shift: tf.Tensor1D;
  /** s·p + t [B, H, W]. */
  alignedPrediction: tf.Tensor3D;
}

/**
 * The AnyDepth / Depth Anything V2 relative-depth objective on disparity targets (MiDaS least-squares
 * `ScaleAndShiftInvariantLoss` with alpha 2): align the prediction by the per-image least-squares
 * scale and shift, then L = mse(p_ssi, g, m) + alpha · Σ_k gradient(p_ssi[::2^k], g[::2^k], m[::2^k]).
 * All returned tensors are new; dispose them (or call inside tf.tidy).
 */
export function anyDepthLossTerms(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: AnyDepthLossOptions = {}): AnyDepthLossTerms {
  const alpha = options.alpha ?? 2;
  const reduction = options.reduction ?? 'batch';
  const { scale, shift } = computeScaleAndShift(prediction, target, mask, { detach: options.detachScaleShift });
  const alignedPrediction = applyScaleAndShift(prediction, scale, shift); // [B, H, W]
  const dataLoss = mseLoss(alignedPrediction, target, mask, { reduction });
  const gradientLossPerScale = gradientMatchingLossPerScale(alignedPrediction, target, mask, { scales: options.scales, reduction });
  const gradientLoss = tf.addN(gradientLossPerScale) as tf.Scalar;
  const total = tf.tidy(() => (alpha === 0 ? tf.clone(dataLoss) : tf.add(dataLoss, tf.mul(gradientLoss, alpha))) as tf.Scalar);
  return { total, dataLoss, gradientLoss, gradientLossPerScale, scale, shift, alignedPrediction };
}

/** The scalar AnyDepth loss (see `anyDepthLossTerms`); use inside `tf.grad`/`optimizer.minimize`. */
export function anyDepthLoss(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: AnyDepthLossOptions = {}): tf.Scalar {
  return tf.tidy(() => anyDepthLossTerms(prediction, target, mask, options).total);
}
