import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { runStockWasm } from './stock.js';
import { type WasmKernelArgs, heapF32, kernelConfig } from './wasm-backend.js';

/** Whether the axes of a rank-`rank` reduction are exactly 0 … rank − 2 (all but the last), in any order or sign. */
function reducesAllButLast(axis: unknown, rank: number): boolean {
  if (axis === null || axis === undefined) return false; // every axis
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (Number(a) + rank) % rank).sort((a, b) => a - b);
  return rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/**
 * `Sum` / `Mean` of a float32 tensor over every axis but the last — BatchNorm's statistics over N, H, W and the
 * gradient of every per-channel scale or bias — in one pass over the rows, accumulated in float64. The stock kernels
 * first transpose the reduced axes to the end, a full copy of the activation: 222 ms for [2, 256, 256, 256]
 * against about 40 ms here. (A matmul with a row of ones is faster still, but XNNPACK packs its right operand —
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
    const acc = new Float64Array(c);
    const v = heapF32(backend, x);
    for (let i = 0, row = 0; i < m; i++, row += c) for (let j = 0; j < c; j++) acc[j] += v[row + j];
    const scale = name === 'Mean' ? 1 / m : 1;
    const shape = attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), c] : [c];
    const out = backend.makeOutput(shape, 'float32');
    const o = heapF32(backend, out);
    for (let j = 0; j < c; j++) o[j] = acc[j] * scale;
    return out;
  };
}

export const sumWasmConfig: KernelConfig = kernelConfig('Sum', 'wasm', leadingAxesReduction('Sum'));
export const meanWasmConfig: KernelConfig = kernelConfig('Mean', 'wasm', leadingAxesReduction('Mean'));
