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
  DINOV3_FIELD_LIMITS,
  dinov3ParameterCount,
  headDim,
  fourEvenIntervals,
  swigluHiddenDim,
  configFromHf,
  configToHf,
} from './config.js';
export { ropePeriods, ropeTables, ropeTensors, rotateHalf, applyRope, type RopeTables } from './rope.js';
export { PatchEmbeddings } from './patch-embed.js';
export { Attention, type AttentionStrategy, setAttentionStrategy, getAttentionStrategy, scaledDotProductAttention } from './attention.js';
export { LayerScale } from './layer-scale.js';
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
  type WeightScheme,
  type LoadDinov3WeightsOptions,
  type Dinov3LoadReport,
  detectWeightScheme,
  hubToHfName,
  hfToHubName,
  hubStateDictShapes,
  countParameters,
  HubToHfSource,
  loadDinov3Weights,
  toHubStateDict,
} from './weights.js';
export { inferConfig } from './infer-config.js';
export { buildPretrained, type BuildPretrainedOptions } from './pretrained.js';
export { fromPretrained, type FromPretrainedOptions } from './from-pretrained.js';
