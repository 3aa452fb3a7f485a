export {
  type DinoV3Config,
  type DinoV3ConfigInput,
  type DinoV3PresetName,
  type FfnType,
  DINOV3_PRESETS,
  DINOV3_HF_REPOS,
  dinov3Config,
  dinov3Preset,
  validateConfig,
  type ConfigLimits,
  DEFAULT_MAX_MODEL_BYTES,
  dinov3ParameterCount,
  headDim,
  configFromHf,
  configToHf,
} from './config.js';
export { ropePeriods, ropeTables, applyRope } from './rope.js';
export { PatchEmbeddings } from './patch-embed.js';
export { Attention, setAttentionStrategy } from './attention.js';
export { LayerScale } from '@anydepth/core';
export { Mlp } from './mlp.js';
export { SwiGLU } from './swiglu.js';
export { Block } from './block.js';
export {
  DinoVisionTransformer,
  type DinoVisionTransformerOptions,
  type EncodeOptions,
  type IntermediateLayersOptions,
  type IntermediateLayer,
  type PadMode,
} from './vit.js';
export {
  type LoadDinov3WeightsOptions,
  type Dinov3LoadReport,
  hubStateDictShapes,
  countParameters,
  loadDinov3Weights,
  toHubStateDict,
} from './weights.js';
export { inferConfig } from './infer-config.js';
export { fromPretrained, type FromPretrainedOptions } from './from-pretrained.js';
