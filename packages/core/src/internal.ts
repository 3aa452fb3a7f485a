/**
 * `@anydepth/core/internal`: the pieces the sibling packages build on (host-tensor conversion, safetensors
 * header parsing, half floats, fused conv runs, the checkpoint reader's zip/pickle/format layers) that a user of
 * the library does not need. No stability promise: they change with the packages that use them.
 */
export { asTensorSource } from './module.js';
export { torchShape, fromTorchLayout } from './layout.js';
export { kaimingUniform, withoutInitialisation } from './layers/init.js';
export { inferenceFusion, type FusedActivation } from './layers/fusion.js';
export { fusedRun } from './layers/conv-bn-act.js';
export { getDefaultRng } from './rng.js';
export { type HostArray, isHostTensor, numElements } from './host-tensor.js';
export { TensorView, type ViewEntry, asHostTensor } from './tensor-view.js';
export {
  ShardedSafetensors,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type ShardIndex,
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  parseShardIndex,
  decodeTensorBytes,
} from './safetensors.js';
export { halfToFloat, floatToHalf, bf16ToFloat, floatToBf16 } from './float16.js';
export { BACKEND_PACKAGES } from './backend.js';
export { gradientsRegistered } from './gradients.js';
export { checkFeatures } from './head-feature.js';
export { type ByteReader, bytesReader } from './checkpoint/byte-reader.js';
export { type DetectedFormat, detectCheckpointFormat } from './checkpoint/detect.js';
export { ZipArchive, type ZipEntry } from './checkpoint/zip.js';
export { restrictedUnpickle, type PickleCallbacks } from './checkpoint/pickle.js';
export { PickleDict, PickleGlobal, type PickleValue } from './checkpoint/pickle-values.js';
export { isAllowedTorchGlobal } from './checkpoint/torch-globals.js';
export { TorchCheckpoint, MAX_PICKLE_BYTES } from './checkpoint/torch-zip.js';
export { SafetensorsCheckpoint } from './checkpoint/safetensors-checkpoint.js';
export { ShardedCheckpoint } from './checkpoint/sharded.js';
export { DEFAULT_MAX_MODEL_BYTES, type ConfigLimits, checkSizeFields, checkBlockIndices, checkParameterBudget } from './config-limits.js';
export {
  VIT_FIELD_LIMITS,
  type VitConfigBase,
  type VitConfigInput,
  type VitFamilyDefaults,
  type VitFfn,
  type VitInitOptions,
  checkVitConfig,
  fourEvenIntervals,
  swigluHiddenDim,
  vitConfigFields,
} from './vit-config.js';
export { VisionTransformerBase, MultiHeadAttentionBase } from './layers/vit-base.js';
export { PreNormBlock, type PreNormBlockNames } from './layers/pre-norm-block.js';
export { AffineNorm } from './layers/affine-norm.js';
export { attentionHeads } from './layers/head-geometry.js';
export { patchTokens } from './layers/patch-tokens.js';
export { detachWhenFrozen } from './layers/frozen-pass.js';
