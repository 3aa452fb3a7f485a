import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { assertNHWC, convGeometry, validRange, type ConvGeometry } from './conv-info.js';
import { type WasmBackendLike, disposeTemp, heapF32, wasmBatchMatMul, wasmKernel } from './wasm-backend.js';

/** Default floats of gathered input taps held at once (64 MiB); larger problems are split into tap groups. */
export const TAP_BUFFER_FLOATS = 16 * 1024 * 1024;

let tapBufferFloats = TAP_BUFFER_FLOATS;

/** Sets how many floats of gathered taps the filter gradient may hold at once (memory vs fewer matmul calls). */
export function setTapBufferFloats(n: number): void {
  if (!(n > 0)) throw new Error(`@anydepth/kernels: tapBufferFloats must be positive, got ${n}`);
  tapBufferFloats = n;
}

/**
 * Copies the input pixels that filter tap (kh, kw) meets into rows [M = N·OH·OW, Ci] of `dst` (zero where
 * the tap falls in the padding): one strided gather, contiguous runs of Ci floats (whole rows when stride 1).
 */
export function gatherTap(x: Float32Array, g: ConvGeometry, kh: number, kw: number, dst: Float32Array, dstOffset: number): void {
  const { batch, inHeight, inWidth, inChannels: ci, outHeight, outWidth, strideHeight, strideWidth } = g;
  const rowOff = kh * g.dilationHeight - g.padTop;
  const colOff = kw * g.dilationWidth - g.padLeft;
  const [lo, hi] = validRange(colOff, strideWidth, inWidth, outWidth);
  const rowLen = outWidth * ci;
  let d = dstOffset;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++, d += rowLen) {
      const ih = oh * strideHeight + rowOff;
      if (ih < 0 || ih >= inHeight || lo >= hi) {
        dst.fill(0, d, d + rowLen);
        continue;
      }
      if (lo > 0) dst.fill(0, d, d + lo * ci);
      if (hi < outWidth) dst.fill(0, d + hi * ci, d + rowLen);
      const srcRow = ((b * inHeight + ih) * inWidth) * ci;
      if (strideWidth === 1) {
        const s = srcRow + (lo + colOff) * ci;
        dst.set(x.subarray(s, s + (hi - lo) * ci), d + lo * ci);
      } else if (ci >= 16) {
        for (let ow = lo; ow < hi; ow++) {
          const s = srcRow + (ow * strideWidth + colOff) * ci;
          dst.set(x.subarray(s, s + ci), d + ow * ci);
        }
      } else {
        for (let ow = lo; ow < hi; ow++) {
          const s = srcRow + (ow * strideWidth + colOff) * ci;
          const o = d + ow * ci;
          for (let c = 0; c < ci; c++) dst[o + c] = x[s + c];
        }
      }
    }
  }
}

/**
 * Conv2DBackpropFilter for the wasm backend: dW[kh, kw] = X_tapᵀ · dY for every filter tap, where X_tap
 * [M = N·OH·OW, Ci] is the input shifted by the tap (gathered in one pass) and dY is [M, Co]. The wasm
 * BatchMatMul is fast only without transposes, so dY is transposed once to [Co, M] and the taps are stacked
 * into one batched matmul dYᵀ [1, Co, M] × X_taps [g, M, Ci] → [g, Co, Ci], transposed back to HWIO
 * [g, Ci, Co] by the wasm Transpose kernel. A 1×1, stride-1, unpadded conv needs no gather.
 */
export function conv2DBackpropFilterWasm(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmBackendLike; attrs: Record<string, unknown> }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  assertNHWC('Conv2DBackpropFilter', attrs.dataFormat as string | undefined);
  const g = convGeometry(x.shape, filterShape, attrs.strides as number, attrs.dilations as number | undefined, attrs.pad as 'same', attrs.dimRoundingMode as undefined, false);
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = g;
  const m = g.batch * g.outHeight * g.outWidth;
  const taps = kh * kw;
  const dyT = wasmKernel('Transpose', backend, { x: { dataId: dy.dataId, shape: [1, m, co], dtype: 'float32' } }, { perm: [0, 2, 1] }); // [1, Co, M]
  /** dYᵀ · taps [n, M, Ci] → [n, Ci, Co]. */
  const product = (taps3: TensorInfo): TensorInfo => {
    const res = wasmBatchMatMul(backend, dyT, taps3, false, false); // [n, Co, Ci]
    const out = wasmKernel('Transpose', backend, { x: res }, { perm: [0, 2, 1] }); // [n, Ci, Co]
    disposeTemp(backend, res);
    return out;
  };

  const identityTap = taps === 1 && g.strideHeight === 1 && g.strideWidth === 1 && g.padTop === 0 && g.padLeft === 0 && g.outHeight === g.inHeight && g.outWidth === g.inWidth;
  if (identityTap) {
    const res = product({ dataId: x.dataId, shape: [1, m, ci], dtype: 'float32' });
    disposeTemp(backend, dyT);
    res.shape = filterShape;
    return res;
  }

  const group = Math.max(1, Math.min(taps, Math.floor(tapBufferFloats / Math.max(1, m * ci))));
  let out: TensorInfo | null = group === taps ? null : backend.makeOutput(filterShape, 'float32');
  for (let t0 = 0; t0 < taps; t0 += group) {
    const n = Math.min(group, taps - t0);
    const a = backend.makeOutput([n, m, ci], 'float32');
    const xs = heapF32(backend, x);
    const av = heapF32(backend, a);
    for (let t = 0; t < n; t++) gatherTap(xs, g, Math.floor((t0 + t) / kw), (t0 + t) % kw, av, t * m * ci);
    const res = product(a); // [n, Ci, Co]
    disposeTemp(backend, a);
    if (out === null) {
      out = res;
      out.shape = filterShape;
    } else {
      heapF32(backend, out).set(heapF32(backend, res), t0 * ci * co);
      disposeTemp(backend, res);
    }
  }
  disposeTemp(backend, dyT);
  return out!;
}

export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
