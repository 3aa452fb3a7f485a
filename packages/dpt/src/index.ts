export type { HeadFeature } from './features.js';
export { Interpolate } from './interpolate.js';
export { ConvModule, type ConvModuleOptions } from './conv-module.js';
export { ReassembleBlocks, type ReassembleOptions, type ReadoutType } from './reassemble.js';
export { PreActResidualConvUnit, ResidualConvUnit } from './residual-conv-unit.js';
export { FeatureFusionBlock, DAv2FeatureFusionBlock } from './fusion-block.js';
export { UpConvHead } from './up-conv-head.js';
export { DPTHead, type DPTHeadOptions } from './dpt-head.js';
export { depthFromLogits } from '@anydepth/core';
export {
  DepthAnythingV2DPTHead,
  type DAv2DPTHeadOptions,
  type DAv2HeadStages,
  type DAv2Encoder,
  DAV2_DPT_CONFIGS,
  DAV2_LAYER_INDICES,
  createDepthAnythingV2Head,
} from './dav2-dpt-head.js';
export { countFlops, countDptFlops, type FlopInput, type FlopReport } from './flops.js';
