export { type MaskLike, checkLossInputs, floatMask } from './inputs.js';
export { stopGradient, withoutGradient } from './no-gradient.js';
export { type Reduction, reduceLoss } from './reduction.js';
export { type ScaleAndShift, type ScaleAndShiftOptions, alignPrediction, applyScaleAndShift, computeScaleAndShift } from './scale-and-shift.js';
export { type MseOptions, type SsiMseOptions, mseLoss, ssiMseLoss } from './ssi-mse.js';
export {
  type GradientMatchingOptions,
  gradientLoss,
  gradientMatchingLoss,
  gradientMatchingLossPerScale,
  subsample,
} from './gradient-matching.js';
export { type AnyDepthLossOptions, type AnyDepthLossTerms, anyDepthLoss, anyDepthLossTerms } from './any-depth-loss.js';
export {
  type Dav1LossTerms,
  type MedianOver,
  type RobustNormalization,
  type TrimmedMaeOptions,
  type TrimmedProcrustesOptions,
  type TrimmedProcrustesTerms,
  dav1Loss,
  dav1LossTerms,
  normalizeRobust,
  trimmedMaeLoss,
  trimmedProcrustesLoss,
  trimmedProcrustesLossTerms,
} from './median-mad.js';
