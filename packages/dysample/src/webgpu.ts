/** WGSL kernels for the 'webgpu' backend (filled in below). */
export function registerWebGPUGridSampleKernels(): void {}
