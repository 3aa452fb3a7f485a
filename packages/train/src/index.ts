export { TRAIN_DEFAULTS } from './defaults.js';
export { type LrScheduleOptions, learningRateAt } from './schedule.js';
export { AdamW, type AdamWOptions, type AdamWState } from './adamw.js';
export { clipByGlobalNorm } from './clip.js';
export { type AugmentOptions, type Augmentation, IDENTITY_AUGMENTATION, applyAugmentation, augmentationKey, drawAugmentation } from './augment.js';
export {
  type TrainSample,
  type SampleSource,
  type ProceduralSourceOptions,
  proceduralSource,
  subsetSource,
  keptSource,
  disparityTarget,
  normalizedImage,
  sampleImages,
  makeBatch,
  isValidDepth,
} from './data.js';
export { type DatasetSourceOptions, datasetSource, readTrainingRgb } from './dataset-source.js';
export { FeatureCache, concatFeatures, disposeFeatures } from './feature-cache.js';
export { TRAIN_STATE_KEY, type TrainProgressState, type TrainCheckpointContents, encodeTrainCheckpoint, restoreTrainCheckpoint } from './train-checkpoint.js';
export { type ValidationResult, evaluateModel, constantDisparityBaseline } from './validate.js';
export { trainingChartPng, type Series } from './chart.js';
export { type TrainOptions, type TrainProgress, type TrainResult, trainAnyDepth, trainingVariables } from './trainer.js';
export { createSeededAnyDepth } from './seeded-model.js';
export { type OrientationResult, orientDisparity } from './orient.js';
