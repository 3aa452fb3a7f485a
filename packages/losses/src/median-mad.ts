import * as tf from '@tensorflow/tfjs-core';
import { gradientMatchingLossPerScale } from './gradient-matching.js';
import { checkLossInputs } from './inputs.js';
import { withoutGradient } from './no-gradient.js';
import type { Reduction } from './reduction.js';

/**
 * Which values the median is taken over:
 * - `'all-pixels'`: every H·W value of m·x, so masked pixels count as zeros (the MiDaS gist
 *   `normalize_prediction_robust` quirk, MiDaS issue #33);
 * - `'valid-pixels'`: only the valid pixels (the Depth Anything V1 paper's t(d) = median(d)).
 * Both take the lower median for even counts, like `torch.median`.
 */
export type MedianOver = 'all-pixels' | 'valid-pixels';

export interface RobustNormalization {
  /** (x − median) / scale [B, H, W]. */
  normalized: tf.Tensor3D;
  /** Per-image median [B]; 0 for an image with an empty mask. */
  median: tf.Tensor1D;
  /** Per-image scale [B] = max(Σ m·|x − median| / Σ m, 1e-6); 1 for an image with an empty mask. */
  scale: tf.Tensor1D;
}

/**
 * Lower median of each row of `values` [B, N] over the entries where `valid` [B, N] is 1 (or over
 * all entries when `valid` is null). Differentiable: the gradient goes to the selected entry (split
 * evenly between exact ties), as torch.median's does. Rows with no valid entry give 0.
 * Written with TopK values, comparisons and sums only (no gather/scatter/oneHot), which every backend,
 * wasm included, implements consistently.
 */
function lowerMedian(values: tf.Tensor2D, valid: tf.Tensor2D | null): tf.Tensor1D {
  return tf.tidy(() => {
    const [b, n] = values.shape;
    const validMask = valid ?? (tf.ones(values.shape) as tf.Tensor2D); // [B, N] (not onesLike: that would tie it to the tape)
    const counts = tf.sum(validMask, 1) as tf.Tensor1D; // [B]
    const weights = withoutGradient(
      (v, m, c) => {
        const isValid = tf.greater(m, 0); // [B, N]
        const keyed = tf.where(isValid, v, tf.fill(v.shape, Infinity)); // [B, N]
        const ascending = tf.neg(tf.topk(tf.neg(keyed), n).values); // [B, N] sorted values, invalid (+∞) last
        const k = tf.maximum(tf.floor(tf.div(tf.sub(c, 1), 2)), 0); // [B] position of the lower median
        const atK = tf.equal(tf.reshape(tf.range(0, n, 1, 'float32'), [1, n]), tf.reshape(k, [b, 1])); // [B, N]
        const median = tf.sum(tf.where(atK, ascending, tf.zerosLike(ascending)), 1, true); // [B, 1]
        const chosen = tf.cast(tf.logicalAnd(isValid, tf.equal(v, median)), 'float32'); // [B, N] the median entry (and exact ties)
        const ties = tf.maximum(tf.sum(chosen, 1, true), 1); // [B, 1]
        return tf.div(chosen, ties) as tf.Tensor2D; // [B, N]
      },
      values,
      validMask,
      counts,
    );
    const median = tf.sum(tf.mul(values, weights), 1); // [B]
    return tf.where(tf.greater(counts, 0), median, tf.zerosLike(median)) as tf.Tensor1D;
  });
}

/**
 * Median / mean-absolute-deviation normalisation per image (MiDaS v2, Depth Anything V1):
 * x' = (x − median) / max(Σ m·|x − median| / Σ m, 1e-6). Images with an empty mask keep median 0 and
 * scale 1 (gist behaviour).
 */
export function normalizeRobust(x: tf.Tensor3D, mask: tf.Tensor, options: { medianOver?: MedianOver } = {}): RobustNormalization {
  return tf.tidy(() => {
    const m = checkLossInputs(x, x, mask, 'normalizeRobust'); // [B, H, W]
    const [b, h, w] = x.shape;
    const count = tf.sum(m, [1, 2]); // [B]
    const hasValid = tf.greater(count, 0); // [B]
    const over = options.medianOver ?? 'all-pixels';
    if (over !== 'all-pixels' && over !== 'valid-pixels')
      throw new Error(`normalizeRobust: medianOver must be 'all-pixels' or 'valid-pixels', got '${over as string}'`);
    const flatMask = tf.reshape(m, [b, h * w]) as tf.Tensor2D; // [B, HW]
    const median =
      over === 'all-pixels'
        ? lowerMedian(tf.reshape(tf.mul(m, x), [b, h * w]) as tf.Tensor2D, null) // [B]
        : lowerMedian(tf.reshape(x, [b, h * w]) as tf.Tensor2D, flatMask); // [B]
    const centred = tf.sub(x, tf.reshape(tf.where(hasValid, median, tf.zerosLike(median)), [b, 1, 1])); // [B, H, W]
    const safeCount = tf.where(hasValid, count, tf.onesLike(count)); // [B]
    const mad = tf.maximum(tf.div(tf.sum(tf.mul(m, tf.abs(centred)), [1, 2]), safeCount), 1e-6); // [B]
    const scale = tf.where(hasValid, mad, tf.onesLike(mad)) as tf.Tensor1D; // [B]
    const normalized = tf.div(centred, tf.reshape(scale, [b, 1, 1])) as tf.Tensor3D; // [B, H, W]
    return { normalized, median: tf.where(hasValid, median, tf.zerosLike(median)) as tf.Tensor1D, scale };
  });
}

export interface TrimmedMaeOptions {
  /** Fraction of the largest residuals dropped. Default 0.2 (keep int(n·0.8)). */
  trim?: number;
  /**
   * Reproduce the ranftlr gist as written: `trimmed, _ = torch.sort(res)[:k]` slices the (values,
   * indices) tuple, so nothing is trimmed. Default false (really trim).
   */
  gistAsWritten?: boolean;
}

/**
 * MiDaS v2 trimmed MAE over the whole batch: the n valid residuals |p − g| are sorted ascending, the
 * first int(n·(1 − trim)) are kept, and their sum is divided by 2·Σ M. 0 for an empty batch mask.
 */
export function trimmedMaeLoss(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: TrimmedMaeOptions = {}): tf.Scalar {
  const trim = options.trim ?? 0.2;
  if (!(trim >= 0 && trim < 1)) throw new Error(`trimmedMaeLoss: trim must be in [0, 1), got ${trim}`);
  return tf.tidy(() => {
    const m = checkLossInputs(prediction, target, mask, 'trimmedMaeLoss'); // [B, H, W]
    const residual = tf.abs(tf.sub(prediction, target)); // [B, H, W]
    const total = tf.sum(m); // []
    let keep: tf.Tensor = m;
    if (!options.gistAsWritten && trim > 0) {
      keep = withoutGradient(
        (r, mm) => {
          const size = r.size;
          const n = Math.round(tf.sum(mm).dataSync()[0]);
          const nKeep = Math.floor(n * (1.0 - trim));
          if (nKeep === 0) return tf.zerosLike(r);
          const isValid = tf.greater(mm, 0); // [B, H, W]
          const keyed = tf.where(isValid, r, tf.fill(r.shape, Infinity)); // [B, H, W]
          // The nKeep-th smallest valid residual is the threshold; everything below it is kept and the
          // remaining nKeep − #below slots are shared by the residuals equal to it (exact with ties).
          const smallest = tf.neg(tf.topk(tf.neg(tf.reshape(keyed, [size])), nKeep).values); // [nKeep] ascending
          const threshold = tf.slice(smallest, [nKeep - 1], [1]); // [1]
          const below = tf.cast(tf.logicalAnd(isValid, tf.less(r, threshold)), 'float32'); // [B, H, W]
          const atThreshold = tf.cast(tf.logicalAnd(isValid, tf.equal(r, threshold)), 'float32'); // [B, H, W]
          const share = tf.div(tf.sub(nKeep, tf.sum(below)), tf.maximum(tf.sum(atThreshold), 1)); // []
          return tf.add(below, tf.mul(atThreshold, share));
        },
        residual,
        m,
      );
    }
    const safe = tf.where(tf.greater(total, 0), total, tf.onesLike(total)); // []
    return tf.div(tf.sum(tf.mul(keep, residual)), tf.mul(safe, 2)) as tf.Scalar;
  });
}

export interface TrimmedProcrustesOptions extends TrimmedMaeOptions {
  /** Weight of the gradient matching term. Default 0.5 (gist); 2 gives the DAv2 1:2 ratio. */
  alpha?: number;
  scales?: number;
  /** Reduction of the gradient matching term. Default 'batch'. */
  reduction?: Reduction;
}

export interface TrimmedProcrustesTerms {
  total: tf.Scalar;
  dataLoss: tf.Scalar;
  gradientLoss: tf.Scalar;
  prediction: RobustNormalization;
  target: RobustNormalization;
}

/**
 * MiDaS v2 `TrimmedProcrustesLoss`: both maps median/MAD-normalised ('all-pixels' median, the gist
 * quirk), trimmed MAE + alpha · multi-scale gradient matching on the normalised maps.
 */
export function trimmedProcrustesLossTerms(
  prediction: tf.Tensor3D,
  target: tf.Tensor3D,
  mask: tf.Tensor,
  options: TrimmedProcrustesOptions = {},
): TrimmedProcrustesTerms {
  const alpha = options.alpha ?? 0.5;
  const p = normalizeRobust(prediction, mask, { medianOver: 'all-pixels' });
  const g = normalizeRobust(target, mask, { medianOver: 'all-pixels' });
  const dataLoss = trimmedMaeLoss(p.normalized, g.normalized, mask, options);
  const perScale = gradientMatchingLossPerScale(p.normalized, g.normalized, mask, { scales: options.scales, reduction: options.reduction });
  const gradientLoss = tf.addN(perScale) as tf.Scalar;
  perScale.forEach((t) => t.dispose());
  const total = tf.tidy(() => tf.add(dataLoss, tf.mul(gradientLoss, alpha)) as tf.Scalar);
  return { total, dataLoss, gradientLoss, prediction: p, target: g };
}

/** The scalar `TrimmedProcrustesLoss` (see `trimmedProcrustesLossTerms`). */
export function trimmedProcrustesLoss(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: TrimmedProcrustesOptions = {}): tf.Scalar {
  return tf.tidy(() => trimmedProcrustesLossTerms(prediction, target, mask, options).total);
}

export interface Dav1LossTerms {
  /** mean |p̂ − ĝ| over all valid pixels of the batch (0 for an empty batch mask). */
  loss: tf.Scalar;
  prediction: RobustNormalization;
  target: RobustNormalization;
}

/**
 * The Depth Anything V1 paper form: t(d) = median over valid pixels, s(d) = mean |d − t(d)| over
 * valid pixels, loss = mean over valid pixels of |d̂* − d̂| (plain MAE, no trimming, no gradient term).
 */
export function dav1LossTerms(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor): Dav1LossTerms {
  const p = normalizeRobust(prediction, mask, { medianOver: 'valid-pixels' });
  const g = normalizeRobust(target, mask, { medianOver: 'valid-pixels' });
  const loss = tf.tidy(() => {
    const m = checkLossInputs(prediction, target, mask, 'dav1Loss'); // [B, H, W]
    const total = tf.sum(m); // []
    const safe = tf.where(tf.greater(total, 0), total, tf.onesLike(total)); // []
    return tf.div(tf.sum(tf.mul(m, tf.abs(tf.sub(p.normalized, g.normalized)))), safe) as tf.Scalar;
  });
  return { loss, prediction: p, target: g };
}

/** The scalar Depth Anything V1 loss (see `dav1LossTerms`). */
export function dav1Loss(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => dav1LossTerms(prediction, target, mask).loss);
}
