export {
  registerTrainingKernels,
  unregisterTrainingKernels,
  registeredTrainingKernels,
  originalKernel,
  TRAINING_KERNELS,
  type RegisterTrainingKernelsOptions,
  type TrainingKernelBackend,
} from './register.js';
export { conv2DBackpropFilterWasm, conv2DBackpropFilterWasmConfig, gatherTap } from './conv2d-backprop-filter.js';
export {
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  depthwiseBackpropFilterWasmConfig,
  depthwiseBackpropInputWasmConfig,
  depthwiseFilterGrad,
  depthwiseInputGrad,
} from './depthwise-backprop.js';
export { unsortedSegmentSumCpu, unsortedSegmentSumWasm, unsortedSegmentSumCpuConfig, unsortedSegmentSumWasmConfig, segmentSum } from './unsorted-segment-sum.js';
export { conv2DBackpropInputWasm, conv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
export { convGeometry, flipFilter, type ConvGeometry } from './conv-info.js';
export type { WasmBackendLike } from './wasm-backend.js';
