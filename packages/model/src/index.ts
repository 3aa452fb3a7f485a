export { AnyDepth, type AnyDepthOptions, type FeatureEncoder, type DepthHead } from './anydepth.js';
export type { HeadFeature } from '@anydepth/core';
export {
  type AnyDepthConfig,
  type AnyDepthPresetName,
  anyDepthPreset,
  anyDepthTinyConfig,
  createAnyDepth,
  validateAnyDepthConfig,
} from './presets.js';
export {
  type AnyDepthLoadReport,
  type AnyDepthCheckpointReport,
  type LoadAnyDepthCheckpointOptions,
  loadAnyDepthWeights,
  loadAnyDepthCheckpoint,
  loadEncoderWeights,
  loadDecoderWeights,
  saveAnyDepth,
  configFromCheckpoint,
} from './checkpoint.js';
export {
  DepthAnythingV2,
  type DepthAnythingV2Config,
  type DepthAnythingV2PresetName,
  type DepthAnythingV2Stages,
  depthAnythingV2Preset,
} from './depth-anything-v2.js';
export {
  type DepthAnythingV2Layout,
  type DepthAnythingV2LoadReport,
  loadDepthAnythingV2Weights,
  dav2ConfigFromCheckpoint,
} from './dav2-weights.js';
export {
  type DepthAnythingV2InputOptions,
  DAV2_INPUT,
  depthAnythingV2InputSize,
  resizeBicubic,
  preprocessDepthAnythingV2,
  inferDepthAnythingV2,
} from './dav2-preprocess.js';
export {
  type CheckpointFamily,
  type CheckpointScheme,
  type CheckpointPart,
  type CheckpointLayout,
  detectCheckpointLayout,
} from './checkpoint-layout.js';
export { type ConfigOrigin, type InferConfigOptions, inferAnyDepthConfig } from './checkpoint-config.js';
export { centerPad, centerPaddingFor, type Padding } from '@anydepth/core';
export { type RawImage, type BrowserImage, type ImageInput, imageToTensor, isRawImage } from './image.js';
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  IMAGENET_NORMALIZATION,
  ANYDEPTH_INPUT,
  type Normalization,
  type InputSpec,
  type InputSizeOptions,
  networkInputSize,
  resizeForNetwork,
  normalizeImage,
  preprocessImage,
} from './preprocess.js';
export { type ModelPreset, type PresetFamily, type PresetConfigs, registerPreset, getPreset, listPresets, familyInput } from './registry.js';
export { predict, predictBatch, type PredictOptions, type DepthPrediction, type StageTimings } from './predict.js';
export { type DisparityAlignment, type ReferencePoint, depthFromDisparity, alignToReferencePoints } from './depth-conversion.js';
export { type ColormapName, type ColorizeOptions, COLORMAPS, colorize } from './colormap.js';
export { encodePng, encodePng16 } from './png.js';
export { type PointCloudOptions, encodePly } from './ply.js';
export { type Intrinsics, intrinsicsFromFov } from '@anydepth/core';
export { encodeNpyFloat32 } from './npy.js';
export { type TiledHeadOptions, DEFAULT_BAND_BYTES, maxTensorBytesForBackend } from './tiled-sdt.js';
export {
  type DepthModelFamily,
  type DepthEstimator,
  type DepthEstimatorOptions,
  type DepthEstimate,
  type OpenedWeights,
  type WeightsInput,
  type CreateDepthEstimatorOptions,
  detectDepthModelFamily,
  buildDepthEstimator,
  createDepthEstimator,
} from './estimator.js';
export { isInferenceUnused, requireInferenceComplete } from './inference-unused.js';
