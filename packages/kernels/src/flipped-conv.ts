import type { TensorInfo } from '@tensorflow/tfjs-core';
import { flipFilter } from './conv-info.js';
import { type WasmBackendLike, disposeTemp, heapF32, wasmKernel } from './wasm-backend.js';

/**
 * The stride-1 input gradient of a convolution, computed as a forward convolution: dY convolved (by the wasm
 * backend's own `forwardKernel`, i.e. XNNPACK) with the spatially flipped, in/out-swapped filter and padding
 * `pads` = [top, bottom, left, right] = K−1−pad per side. The flipped filter is a temporary freed here.
 */
export function flippedFilterConv(
  forwardKernel: 'Conv2D' | 'DepthwiseConv2dNative',
  backend: WasmBackendLike,
  dy: TensorInfo,
  filter: TensorInfo,
  flippedShape: number[],
  pads: number[],
  attrs: Record<string, unknown>,
): TensorInfo {
  const flipped = backend.makeOutput(flippedShape, 'float32', undefined, flipFilter(heapF32(backend, filter), filter.shape));
  const pad = [
    [0, 0],
    [pads[0], pads[1]],
    [pads[2], pads[3]],
    [0, 0],
  ];
  const out = wasmKernel(forwardKernel, backend, { x: dy, filter: flipped }, { ...attrs, strides: 1, pad });
  disposeTemp(backend, flipped);
  return out;
}
