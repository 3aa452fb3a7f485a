import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { assertNHWC, convGeometry, type ConvGeometry } from './conv-info.js';
import { winogradFilterGrad, winogradFilterGradFits } from './winograd-filter-grad.js';
import { winogradGeometry, winogradState } from './winograd-kernels.js';
import { type WasmKernelArgs, disposeTemp, heapF32, wasmBatchMatMul, wasmKernel, kernelConfig } from './wasm-backend.js';

/** Most floats of one chunk's gathered columns (16 MiB): the matmul's operands stay in cache. */
const CHUNK_FLOATS = 4 * 2 ** 20;

/**
 * Copies, for output pixels [r0, r0 + rows), the input pixels every filter tap meets into the row-major im2col
 * matrix `heap[dst …]` of [rows, taps · Ci] (tap-major columns; zero where a tap falls in the padding). `heap` is
 * the whole backend heap and `x`, `dst` float offsets in it, so each run of Ci floats is one `copyWithin`.
 */
export function gatherColumns(heap: Float32Array, x: number, g: ConvGeometry, r0: number, rows: number, dst: number): void {
  const { inHeight, inWidth, inChannels: ci, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = g;
  const rowStride = filterHeight * filterWidth * ci;
  for (let m = r0; m < r0 + rows; m++) {
    const ow = m % outWidth;
    const rest = (m - ow) / outWidth;
    const oh = rest % outHeight;
    const b = (rest - oh) / outHeight;
    let d = dst + (m - r0) * rowStride;
    for (let kh = 0; kh < filterHeight; kh++) {
      const ih = oh * strideHeight + kh * g.dilationHeight - g.padTop;
      for (let kw = 0; kw < filterWidth; kw++, d += ci) {
        const iw = ow * strideWidth + kw * g.dilationWidth - g.padLeft;
        if (ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth) heap.fill(0, d, d + ci);
        else {
          const s = x + ((b * inHeight + ih) * inWidth + iw) * ci;
          heap.copyWithin(d, s, s + ci);
        }
      }
    }
  }
}

/**
 * Conv2DBackpropFilter for the wasm backend: dW = Σ over output pixels of X_colᵀ · dY, with X_col the im2col
 * matrix [M = N·OH·OW, KH·KW·Ci]. The sum over M (131 072 pixels for batch 2 at 256 px) is cut into chunks
 * of rows whose columns fit in 16 MiB: per chunk dYᵀ [Co, R] (dY rows copied, then the wasm Transpose) times
 * X_col [R, KH·KW·Ci] in one wasm matmul (XNNPACK), accumulated. One product with K = M instead streams both
 * operands from memory for every output panel (an SDT training step spent 60 % of its time there at ~14
 * GFLOP/s); with chunks they stay in cache.
 */
export function conv2DBackpropFilterWasm(args: WasmKernelArgs<{ x: TensorInfo; dy: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  assertNHWC('Conv2DBackpropFilter', attrs.dataFormat as string | undefined);
  const winograd = winogradGradient(args);
  if (winograd) return winograd;
  const g = convGeometry(x.shape, filterShape, attrs, false);
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = g;
  const m = g.batch * g.outHeight * g.outWidth;
  const cols = kh * kw * ci;
  const chunk = Math.max(1, Math.min(m, Math.floor(CHUNK_FLOATS / cols)));
  const acc = new Float32Array(co * cols); // [Co, KH·KW·Ci]
  for (let r0 = 0; r0 < m; r0 += chunk) {
    const rows = Math.min(chunk, m - r0);
    // Fresh tensors per chunk: the wasm matmul caches XNNPACK's packed right operand by tensor id.
    // Views of the heap go stale when an allocation grows it, so rows are copied by offset after allocating.
    const dyRows = backend.makeOutput([1, rows, co], 'float32'); // [1, R, Co]
    const rowsView = heapF32(backend, dyRows);
    const dyStart = heapF32(backend, dy).byteOffset / 4 + r0 * co;
    new Float32Array(rowsView.buffer).copyWithin(rowsView.byteOffset / 4, dyStart, dyStart + rows * co);
    const dyT = wasmKernel('Transpose', backend, { x: dyRows }, { perm: [0, 2, 1] }); // [1, Co, R]
    disposeTemp(backend, dyRows);
    const xcol = backend.makeOutput([1, rows, cols], 'float32'); // [1, R, KH·KW·Ci]
    const heap = heapF32(backend, xcol);
    const whole = new Float32Array(heap.buffer);
    gatherColumns(whole, heapF32(backend, x).byteOffset / 4, g, r0, rows, heap.byteOffset / 4);
    const res = wasmBatchMatMul(backend, dyT, xcol, false, false); // [1, Co, KH·KW·Ci]
    const r = heapF32(backend, res);
    for (let i = 0; i < r.length; i++) acc[i] += r[i];
    for (const t of [dyT, xcol, res]) disposeTemp(backend, t);
  }
  // HWIO: out[kh, kw, ci, co] = acc[co][(kh·KW + kw)·Ci + ci]
  const out = backend.makeOutput(filterShape, 'float32'); // [KH, KW, Ci, Co]
  const o = heapF32(backend, out);
  for (let j = 0; j < co; j++) for (let i = 0; i < cols; i++) o[i * co + j] = acc[j * cols + i];
  return out;
}

/**
 * The filter gradient by the adjoint of the Winograd convolution (`winogradFilterGrad`) when the Winograd pool
 * runs (`registerInferenceKernels`) and the convolution is one it takes (stride-1 3×3, float32, the channel
 * counts of the forward path); else null.
 */
function winogradGradient(args: WasmKernelArgs<{ x: TensorInfo; dy: TensorInfo }>): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const pool = winogradState.pool;
  if (!pool || dy.dtype !== 'float32') return null;
  const filter = { shape: attrs.filterShape as number[], dtype: 'float32' } as TensorInfo;
  const info = winogradGeometry(x, filter, attrs as unknown as Parameters<typeof winogradGeometry>[2], winogradState.minChannels);
  if (!info || info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) return null;
  const geometry = { w: info.inWidth, cin: info.inChannels, cout: info.outChannels, outW: info.outWidth, outH: info.outHeight };
  if (!winogradFilterGradFits(pool, geometry)) return null;
  const dw = winogradFilterGrad(pool, {
    ...geometry,
    x: heapF32(backend, x),
    dy: heapF32(backend, dy),
    n: info.batchSize,
    h: info.inHeight,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  });
  winogradState.filterGradCalls++;
  const out = backend.makeOutput(filter.shape, 'float32'); // [3, 3, Ci, Co]
  heapF32(backend, out).set(dw);
  return out;
}

export const conv2DBackpropFilterWasmConfig: KernelConfig = kernelConfig('Conv2DBackpropFilter', 'wasm', conv2DBackpropFilterWasm);
