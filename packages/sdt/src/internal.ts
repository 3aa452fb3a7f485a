// Building blocks the SDT head and the ONNX emitters compose; not part of the stable public API (it may change
// in any release). Users import from '@anydepth/sdt'.
export { readoutProject, fusionProjection, readoutAndProject } from './readout-projection.js';
export { upsampleBlock, refinementBlock } from './upsampler.js';
export { outputHead } from './output-head.js';
