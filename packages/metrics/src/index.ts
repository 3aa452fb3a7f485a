export { type AffineFit, fitScaleShift, nearestIndices } from './alignment.js';
export {
  type CropRect,
  DATASETS,
  DATASET_LABELS,
  DATASET_ALIASES,
  type DatasetAlias,
  type DatasetName,
  canonicalDatasetName,
  type DatasetPreset,
  KB_CROP_HEIGHT,
  KB_CROP_WIDTH,
  kbCropRect,
  kittiEigenCrop,
  nyuEigenCrop,
  resolveDataset,
} from './datasets.js';
export { cropMap, resizeBilinear } from './resize.js';
export { type DepthMetrics, METRIC_KEYS, computeDepthMetrics } from './metrics.js';
export { type Alignment, type DepthEvaluation, type EvaluateDepthOptions, evaluateDepth } from './evaluate.js';
export { DepthMetricAccumulator, type DepthMetricSummary } from './accumulator.js';
export { type Table2Row, formatSummary, formatTable2, percent } from './format.js';
