export { gridSample, resolveAttrs, type GridSampleOptions } from './grid-sample.js';
export {
  type GridSampleAttrs,
  type GridSampleMode,
  type GridSamplePadding,
  gridSampleForward,
  gridSampleBackward,
} from './grid-sample-impl.js';
export { gridSampleComposite } from './grid-sample-composite.js';
export { GRID_SAMPLE, GRID_SAMPLE_GRAD, registerGridSampleKernels, hasGridSampleKernel } from './kernels.js';
export { gridSampleModuleFor, setGridSampleWasmSimd } from './grid-sample-wasm.js';
export { DySample, type DySampleOptions, pixelShuffle, pixelUnshuffle, initPos } from './dysample.js';
