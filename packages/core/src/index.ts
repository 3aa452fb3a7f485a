export { Module, Layer, StateDictError, asTensorSource } from './module.js';
export type { TensorSource, StateDictInput, LoadStateDictOptions, LoadReport, ShapeMismatch } from './module.js';
export { type ParamLayout, torchShape, fromTorchLayout, toTorchLayout } from './layout.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dOptions, type Pair, pair } from './layers/conv2d.js';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './layers/conv-transpose2d.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './layers/batch-norm2d.js';
export { LayerNorm, type LayerNormOptions } from './layers/layer-norm.js';
export { GELU, ReLU, Identity, gelu, silu } from './layers/activations.js';
export {
  type AttentionStrategy,
  setAttentionStrategy,
  getAttentionStrategy,
  scaledDotProductAttention,
  setAttentionTileBytes,
  getAttentionTileBytes,
  attentionTileRows,
  DEFAULT_ATTENTION_TILE_BYTES,
} from './layers/attention.js';
export { attentionHeads } from './layers/head-geometry.js';
export { patchTokens } from './layers/patch-tokens.js';
export { detachWhenFrozen } from './layers/frozen-pass.js';
export { Sequential, ModuleList } from './layers/sequential.js';
export { setInferenceFusion, inferenceFusion, type FusedActivation } from './layers/fusion.js';
export { convBnAct, foldBatchNorm, fusedRun } from './layers/conv-bn-act.js';
export { kaimingUniform, normalInit, withoutInitialisation } from './layers/init.js';
export { Rng, type RngState, getDefaultRng, manualSeed } from './rng.js';
export {
  type HostTensor,
  type HostArray,
  type SafetensorsDType,
  hostToTensor,
  tensorToHost,
  tensorToHostSync,
  isHostTensor,
  numElements,
} from './host-tensor.js';
export {
  SafetensorsFile,
  SafetensorsError,
  ShardedSafetensors,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type ShardIndex,
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  parseShardIndex,
  decodeTensorBytes,
  loadSafetensors,
  saveSafetensors,
  encodeSafetensors,
} from './safetensors.js';
export { halfToFloat, floatToHalf, bf16ToFloat, floatToBf16 } from './float16.js';
export { useBackend, BackendUnavailableError, BACKEND_PACKAGES, type BackendName, type UseBackendOptions } from './backend.js';
export { ensureGradients, gradientsRegistered } from './gradients.js';
export { recomputeGrad } from './recompute.js';
export { type HeadFeature, checkFeatures, depthFromLogits } from './head-feature.js';
export { centerPad, centerPaddingFor, type Padding } from './center-padding.js';
export { type Intrinsics, intrinsicsFromFov } from './intrinsics.js';
export { type FlopInput, type FlopReport, type FlopSize, bilinearMacs, conv2dMacs, convTranspose2dMacs, flopGrid, flopReport } from './flops.js';
export * from './checkpoint/index.js';
export { DEFAULT_MAX_MODEL_BYTES, type ConfigLimits, checkSizeFields, checkBlockIndices, checkParameterBudget } from './config-limits.js';
export { VisionTransformerBase, MultiHeadAttentionBase } from './layers/vit-base.js';
