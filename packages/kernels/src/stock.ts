import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Kernels that were registered before ours replaced them (`Name/backend` → config), to delegate to and restore. */
export const stockKernels = new Map<string, KernelConfig>();
