export type { HeadFeature } from './features.js';
export { WeightedFusion, type WeightedFusionOptions } from './weighted-fusion.js';
export { SpatialDetailEnhancer } from './spatial-detail-enhancer.js';
export { DySampleUpsampler, type UpsamplerOptions } from './upsampler.js';
export { depthFromLogits } from '@anydepth/core';
export { SDTHead, type SDTHeadOptions, type SDTStages } from './sdt-head.js';
export { countFlops, countSdtFlops, type FlopInput, type FlopReport } from './flops.js';
