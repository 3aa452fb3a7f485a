export { type HeadFeature, checkFeatures } from './features.js';
export { readoutProject, fusionProjection, readoutAndProject } from './readout-projection.js';
export { WeightedFusion, type WeightedFusionOptions } from './weighted-fusion.js';
export { SpatialDetailEnhancer } from './spatial-detail-enhancer.js';
export { DySampleUpsampler, type UpsamplerOptions, upsampleBlock, refinementBlock } from './upsampler.js';
export { outputHead } from './output-head.js';
export { depthFromLogits } from '@anydepth/core';
export { SDTHead, type SDTHeadOptions, type SDTStages } from './sdt-head.js';
export { countFlops, countSdtFlops, type FlopInput, type FlopReport } from './flops.js';
