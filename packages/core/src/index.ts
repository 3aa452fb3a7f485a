export { Module, Layer, StateDictError } from './module.js';
export type { TensorSource, StateDictInput, LoadStateDictOptions, LoadReport, ShapeMismatch } from './module.js';
export { type ParamLayout, toTorchLayout } from './layout.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dOptions, type Pair, pair } from './layers/conv2d.js';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './layers/conv-transpose2d.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './layers/batch-norm2d.js';
export { LayerNorm, type LayerNormOptions } from './layers/layer-norm.js';
export { LayerScale } from './layers/layer-scale.js';
export { GELU, ReLU, Identity, gelu, silu } from './layers/activations.js';
export { GeluMlp, type GeluMlpNames } from './layers/gelu-mlp.js';
export { type AttentionStrategy, setAttentionStrategy, getAttentionStrategy, scaledDotProductAttention } from './layers/attention.js';
export { Sequential, ModuleList } from './layers/sequential.js';
export { setInferenceFusion } from './layers/fusion.js';
export { convBnAct, foldBatchNorm, foldedWeights } from './layers/conv-bn-act.js';
export { normalInit } from './layers/init.js';
export { Rng, type RngState, manualSeed } from './rng.js';
export { type HostTensor, type SafetensorsDType, hostToTensor, tensorToHost, tensorToHostSync } from './host-tensor.js';
export {
  SafetensorsFile,
  SafetensorsError,
  loadSafetensors,
  saveSafetensors,
  encodeSafetensors,
} from './safetensors.js';
export { useBackend, BackendUnavailableError, type BackendName, type UseBackendOptions } from './backend.js';
export { ensureGradients } from './gradients.js';
export { type HeadFeature, depthFromLogits } from './head-feature.js';
export { CheckpointError } from './checkpoint/errors.js';
export type { Checkpoint, CheckpointFormat } from './checkpoint/checkpoint.js';
export { openCheckpoint, openCheckpointBytes, type OpenCheckpointOptions } from './checkpoint/open.js';
// Internals (zip, pickle VM, format detection, host-tensor and half-float conversion, …): '@anydepth/core/internal'.
export {
  setAttentionTileBytes,
  getAttentionTileBytes,
  attentionTileRows,
  DEFAULT_ATTENTION_TILE_BYTES,
} from './layers/attention.js';
export { recomputeGrad, recomputeChain, type RecomputeSegment } from './recompute.js';
export { centerPad, centerPaddingFor, type Padding } from './center-padding.js';
export { type Intrinsics, intrinsicsFromFov } from './intrinsics.js';
export { type FlopInput, type FlopReport, type FlopSize, bilinearMacs, conv2dMacs, convTranspose2dMacs, flopGrid, flopReport } from './flops.js';
export { type CheckpointReader, type CheckpointReaderInput, type PluggableFormat, registerCheckpointReader } from './checkpoint/readers.js';
