import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { assertNHWC, convGeometry, validRange, type ConvGeometry } from './conv-info.js';
import { type WasmKernelArgs, disposeTemp, heapF32, wasmBatchMatMul, wasmKernel, kernelConfig } from './wasm-backend.js';

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
      const srcRow = (b * inHeight + ih) * inWidth * ci;
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
 * [M = N·OH·OW, Ci] is the input shifted by the tap (gathered in one pass) and dY is
 * [M, Co]. The wasm BatchMatMul is fast only for a single, untransposed product, so dY is transposed once to
 * [Co, M] (wasm Transpose) and each tap is one matmul dYᵀ [Co, M] × X_tap [M, Ci] → [Co, Ci], written
 * transposed into the HWIO output. A 1×1, stride-1, unpadded conv needs no gather.
 */
export function conv2DBackpropFilterWasm(args: WasmKernelArgs<{ x: TensorInfo; dy: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  assertNHWC('Conv2DBackpropFilter', attrs.dataFormat as string | undefined);
  const g = convGeometry(x.shape, filterShape, attrs, false);
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = g;
  const m = g.batch * g.outHeight * g.outWidth;
  const taps = kh * kw;
  const dyT = wasmKernel('Transpose', backend, { x: { dataId: dy.dataId, shape: [1, m, co], dtype: 'float32' } }, { perm: [0, 2, 1] }); // [1, Co, M]
  const out = backend.makeOutput(filterShape, 'float32'); // [KH, KW, Ci, Co]
  /** out[tap] = (dYᵀ · taps)ᵀ. */
  const product = (tap: number, a: TensorInfo): void => {
    const res = wasmBatchMatMul(backend, dyT, a, false, false); // [1, Co, Ci]
    const r = heapF32(backend, res);
    const o = heapF32(backend, out);
    const base = tap * ci * co;
    for (let i = 0; i < ci; i++) for (let j = 0; j < co; j++) o[base + i * co + j] = r[j * ci + i];
    disposeTemp(backend, res);
  };

  const identityTap =
    taps === 1 && g.strideHeight === 1 && g.strideWidth === 1 && g.padTop === 0 && g.padLeft === 0 && g.outHeight === g.inHeight && g.outWidth === g.inWidth;
  if (identityTap) {
    product(0, { dataId: x.dataId, shape: [1, m, ci], dtype: 'float32' });
  } else {
    for (let t = 0; t < taps; t++) {
      // A fresh tensor per tap: the wasm matmul caches XNNPACK's packed right operand by tensor id, so a
      // reused buffer with new contents would be multiplied as its first contents.
      const a = backend.makeOutput([1, m, ci], 'float32'); // [1, M, Ci]
      gatherTap(heapF32(backend, x), g, Math.floor(t / kw), t % kw, heapF32(backend, a), 0);
      product(t, a);
      disposeTemp(backend, a);
    }
  }
  disposeTemp(backend, dyT);
  return out;
}

export const conv2DBackpropFilterWasmConfig: KernelConfig = kernelConfig('Conv2DBackpropFilter', 'wasm', conv2DBackpropFilterWasm);
