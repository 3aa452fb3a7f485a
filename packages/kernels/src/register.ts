import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulWasmConfig } from './batch-matmul.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { stockKernels } from './stock.js';
import { depthwiseBackpropFilterWasmConfig, depthwiseBackpropInputWasmConfig } from './depthwise-backprop.js';
import { meanWasmConfig, sumWasmConfig } from './leading-axes-sum.js';
import { unsortedSegmentSumCpuConfig, unsortedSegmentSumWasmConfig } from './unsorted-segment-sum.js';

export type TrainingKernelBackend = 'wasm' | 'cpu';

/** Every kernel this package provides, by backend. */
export const TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2DBackpropFilterWasmConfig,
  conv2DBackpropInputWasmConfig,
  depthwiseBackpropFilterWasmConfig,
  depthwiseBackpropInputWasmConfig,
  unsortedSegmentSumWasmConfig,
  unsortedSegmentSumCpuConfig,
  sumWasmConfig,
  meanWasmConfig,
  batchMatMulWasmConfig,
];

export interface RegisterTrainingKernelsOptions {
  /** Backends to register for (default both: 'wasm' and 'cpu'). */
  backends?: readonly TrainingKernelBackend[];
  /**
   * Replace a kernel the backend already has. Default: only the stock kernels this package exists to replace
   * are replaced — the cpu `UnsortedSegmentSum` (one op per segment), the wasm `Conv2DBackpropInput` (a plain
   * loop; ours delegates to it for strides > 1), the wasm `Sum` / `Mean` (ours take reductions over all but the
   * last axis and delegate the rest) and the wasm `BatchMatMul` (ours takes transposed and batched products, which
   * the stock one runs in a plain loop); any other kernel a future backend version ships is kept.
   */
  replaceExisting?: boolean;
}

/** Kernels replaced by default (see `replaceExisting`). */
const REPLACED_BY_DEFAULT = new Set(['UnsortedSegmentSum/cpu', 'Conv2DBackpropInput/wasm', 'Sum/wasm', 'Mean/wasm', 'BatchMatMul/wasm']);
const replaced = stockKernels;
/** Keys of kernels we registered. */
const ours = new Set<string>();
const key = (c: KernelConfig) => `${c.kernelName}/${c.backendName}`;

/**
 * Registers the training kernels in tfjs' global kernel registry. Call it once after the backend package is
 * imported (e.g. after `await useBackend('wasm')`); it is idempotent, and importing this package registers
 * nothing. Returns the kernels registered by this call as `Name/backend` (empty when all already were).
 */
export function registerTrainingKernels(options: RegisterTrainingKernelsOptions = {}): string[] {
  const backends = new Set(options.backends ?? ['wasm', 'cpu']);
  const added: string[] = [];
  for (const config of TRAINING_KERNELS) {
    if (!backends.has(config.backendName as TrainingKernelBackend)) continue;
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing) {
      const replace = options.replaceExisting ?? REPLACED_BY_DEFAULT.has(key(config));
      if (!replace) continue;
      replaced.set(key(config), existing);
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
    ours.add(key(config));
    added.push(key(config));
  }
  return added;
}

/** Removes the kernels registered by `registerTrainingKernels` and restores the ones they replaced. */
export function unregisterTrainingKernels(): void {
  for (const config of TRAINING_KERNELS) {
    const k = key(config);
    if (!ours.has(k)) continue;
    if (tf.getKernel(config.kernelName, config.backendName)?.kernelFunc === config.kernelFunc) {
      tf.unregisterKernel(config.kernelName, config.backendName);
      const previous = replaced.get(k);
      if (previous) tf.registerKernel(previous);
    }
    ours.delete(k);
    replaced.delete(k);
  }
}

/** Which of this package's kernels are currently registered (as `Name/backend`). */
export function registeredTrainingKernels(): string[] {
  return TRAINING_KERNELS.filter((c) => tf.getKernel(c.kernelName, c.backendName)?.kernelFunc === c.kernelFunc).map(key);
}

/**
 * The kernel a backend had before ours replaced it (the cpu `UnsortedSegmentSum` and wasm `Conv2DBackpropInput`
 * by default), or the one
 * registered now when ours is not: the stock reference the tests compare against.
 */
export function originalKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return replaced.get(`${kernelName}/${backendName}`) ?? tf.getKernel(kernelName, backendName);
}
