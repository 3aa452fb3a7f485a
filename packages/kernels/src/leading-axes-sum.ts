import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { runStockWasm } from './stock.js';
import { backendMemory, backendMemoryModule } from './backend-memory-module.js';
import { columnSumUnsharedWasmBase64 } from './wasm/column-sum-unshared-wasm.js';
import { columnSumWasmBase64 } from './wasm/column-sum-wasm.js';
import { type WasmKernelArgs, disposeTemp, heapF32, kernelConfig, memoryOffset } from './wasm-backend.js';

interface ColumnSumExports {
  column_sum(src: number, rows: number, cols: number, acc: number, dst: number, scale: number): void;
}

/** The column-sum module (src/wasm/column-sum.wat) importing `memory`. */
export const columnSumModuleFor = backendMemoryModule<ColumnSumExports>(columnSumWasmBase64, columnSumUnsharedWasmBase64);

/** Whether the axes of a rank-`rank` reduction are exactly 0 … rank − 2 (all but the last), in any order or sign. */
function reducesAllButLast(axis: unknown, rank: number): boolean {
  if (axis === null || axis === undefined) return false; // every axis
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (Number(a) + rank) % rank).sort((a, b) => a - b);
  return rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/**
 * `Sum` / `Mean` of a float32 tensor over every axis but the last — BatchNorm's statistics over N, H, W and the
 * gradient of every per-channel scale or bias — in one pass over the rows, accumulated in float64: SIMD
 * (src/wasm/column-sum.wat, on the backend's memory) when the channels are a multiple of 4, else a JavaScript
 * loop. The stock kernels first transpose the reduced axes to the end, a full copy of the activation. (A matmul with a row of ones is faster still, but XNNPACK packs its right operand —
 * the whole activation — as weights and ran out of the 4 GiB heap in a training step.) Any other reduction goes
 * to the stock kernel.
 */
function leadingAxesReduction(name: 'Sum' | 'Mean') {
  return (args: WasmKernelArgs<{ x: TensorInfo }>): TensorInfo => {
    const { backend, inputs, attrs } = args;
    const { x } = inputs;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || !reducesAllButLast(attrs.axis, rank) || util.sizeFromShape(x.shape) === 0) {
      return runStockWasm(name, args);
    }
    const c = x.shape[rank - 1];
    const m = util.sizeFromShape(x.shape) / c;
    const scale = name === 'Mean' ? 1 / m : 1;
    const shape = attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), c] : [c];
    const out = backend.makeOutput(shape, 'float32');
    const memory = backendMemory(backend);
    const simd = c % 4 === 0 && memory ? columnSumModuleFor(memory) : null;
    if (simd) {
      const acc = backend.makeOutput([2 * c], 'float32'); // c float64 accumulators
      simd.column_sum(memoryOffset(backend, x), m, c, memoryOffset(backend, acc), memoryOffset(backend, out), scale);
      disposeTemp(backend, acc);
      return out;
    }
    const acc = new Float64Array(c);
    const v = heapF32(backend, x);
    for (let i = 0, row = 0; i < m; i++, row += c) for (let j = 0; j < c; j++) acc[j] += v[row + j];
    const o = heapF32(backend, out);
    for (let j = 0; j < c; j++) o[j] = acc[j] * scale;
    return out;
  };
}

export const sumWasmConfig: KernelConfig = kernelConfig('Sum', 'wasm', leadingAxesReduction('Sum'));
export const meanWasmConfig: KernelConfig = kernelConfig('Mean', 'wasm', leadingAxesReduction('Mean'));
