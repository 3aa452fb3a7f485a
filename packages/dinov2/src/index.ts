export {
  type Dinov2Config,
  type Dinov2ConfigInput,
  type Dinov2Ffn,
  type Dinov2PresetName,
  type Dinov2ConfigLimits,
  DINOV2_PRESETS,
  DINOV2_FIELD_LIMITS,
  DEFAULT_MAX_MODEL_BYTES,
  dinov2ParameterCount,
  dinov2Config,
  dinov2Preset,
  dinov2DefaultLayers,
  dinov2HeadDim,
  swigluFusedHiddenDim,
  validateDinov2Config,
} from './config.js';
export { type ResampleSpec, type CubicTaps, bicubicTaps, bicubicWeights, bicubicAntialiasWeights, resampleWeights } from './bicubic.js';
export { type PosEmbedResize, interpolatePosEncoding, posEmbedAxisSpec } from './pos-embed.js';
export { PatchEmbed } from './patch-embed.js';
export { Attention } from './attention.js';
export { Mlp } from './mlp.js';
export { SwiGLUFused } from './swiglu.js';
export { LayerScale } from '@anydepth/core';
export { Block } from './block.js';
export { Dinov2VisionTransformer, type Dinov2Options, type Dinov2IntermediateOptions, type Dinov2Feature } from './vit.js';
export {
  type Dinov2Layout,
  type Dinov2LoadReport,
  type LoadDinov2WeightsOptions,
  Dinov2OfficialView,
  detectDinov2Layout,
  hfToOfficialName,
  loadDinov2Weights,
} from './weights.js';
export { type InferDinov2ConfigOptions, inferDinov2Config } from './infer-config.js';
