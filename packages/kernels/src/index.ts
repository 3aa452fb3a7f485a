export {
  registerTrainingKernels,
  unregisterTrainingKernels,
  registeredTrainingKernels,
  originalKernel,
  TRAINING_KERNELS,
  type RegisterTrainingKernelsOptions,
  type TrainingKernelBackend,
} from './register.js';
export { conv2DBackpropFilterWasm, conv2DBackpropFilterWasmConfig, gatherColumns } from './conv2d-backprop-filter.js';
export {
  depthwiseBackpropFilterWasm,
  depthwiseBackpropInputWasm,
  depthwiseBackpropFilterWasmConfig,
  depthwiseBackpropInputWasmConfig,
  depthwiseFilterGrad,
  depthwiseInputGrad,
} from './depthwise-backprop.js';
export {
  unsortedSegmentSumCpu,
  unsortedSegmentSumWasm,
  unsortedSegmentSumCpuConfig,
  unsortedSegmentSumWasmConfig,
  segmentSum,
} from './unsorted-segment-sum.js';
export { conv2DBackpropInputWasm, conv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
export { convGeometry, flipFilter, type ConvGeometry } from './conv-info.js';
export { memoryOffset, type WasmBackendLike } from './wasm-backend.js';
export { backendMemory, backendMemoryModule } from './backend-memory-module.js';
export {
  registerInferenceKernels,
  unregisterInferenceKernels,
  registeredInferenceKernels,
  INFERENCE_KERNELS,
  type RegisterInferenceKernelsOptions,
} from './register-inference.js';
export { winogradFilter } from './winograd-filter.js';
export { winogradConv, type WinogradConvArgs } from './winograd-conv.js';
export { winogradFilterGrad, winogradFilterGradFits, type WinogradFilterGradArgs } from './winograd-filter-grad.js';
export { winogradConvJs } from './winograd-js.js';
export { WinogradPool, enableRelaxedSimd, relaxedSimdSupported, winogradModule, type PoolWorker, type WorkerFactory } from './winograd-pool.js';
export { winogradGeometry, winogradState } from './winograd-kernels.js';
export { erfWasm, erfModuleFor } from './erf-kernel.js';
export { sumWasmConfig, meanWasmConfig, columnSumModuleFor } from './leading-axes-sum.js';
export { batchMatMulWasm, batchMatMulWasmConfig } from './batch-matmul.js';
