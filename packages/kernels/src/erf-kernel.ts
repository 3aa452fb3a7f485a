import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { backendMemory, backendMemoryModule } from './backend-memory-module.js';
import { runStockWasm } from './stock.js';
import { erfUnsharedWasmBase64 } from './wasm/erf-unshared-wasm.js';
import { erfWasmBase64 } from './wasm/erf-wasm.js';
import { type WasmKernelArgs, kernelConfig, memoryOffset } from './wasm-backend.js';

interface ErfExports {
  erf(src: number, dst: number, n: number): void;
}

/** The erf module (src/wasm/erf.wat) importing `memory` — the shared or the unshared variant, as the memory is. */
export const erfModuleFor = backendMemoryModule<ErfExports>(erfWasmBase64, erfUnsharedWasmBase64);

/**
 * `Erf` for the wasm backend: SIMD (src/wasm/erf.wat, Abramowitz & Stegun 7.1.26 as tfjs' cpu backend computes it)
 * run in place on the backend's own memory — an order of magnitude faster than the stock scalar kernel, which
 * made the exact GELU of every ViT MLP cost more than its matMul. Inputs that are not float32, with fewer than 4
 * values, or a backend without an exported memory go to the stock kernel.
 */
export function erfWasm(args: WasmKernelArgs<{ x: TensorInfo }>): TensorInfo {
  const { backend, inputs } = args;
  const { x } = inputs;
  const n = tf.util.sizeFromShape(x.shape);
  const memory = backendMemory(backend);
  const ours = x.dtype === 'float32' && n >= 4 && memory ? erfModuleFor(memory) : null;
  if (!ours) return runStockWasm('Erf', args);
  const out = backend.makeOutput(x.shape, 'float32');
  ours.erf(memoryOffset(backend, x), memoryOffset(backend, out), n);
  return out;
}

export const erfWasmConfig: KernelConfig = kernelConfig('Erf', 'wasm', erfWasm);
