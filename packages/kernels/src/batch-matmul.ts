import { broadcast_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { runStockWasm } from './stock.js';
import { type WasmBackendLike, type WasmKernelArgs, disposeTemp, heapF32, kernelConfig, wasmKernel } from './wasm-backend.js';

/** The same data under another shape (no copy; nothing to dispose). */
const view = (t: TensorInfo, shape: number[]): TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

const transposed = (backend: WasmBackendLike, t: TensorInfo, rows: number, cols: number) =>
  wasmKernel('Transpose', backend, { x: view(t, [rows, cols]) }, { perm: [1, 0] }); // [cols, rows]

/** The stock kernel on two untransposed matrices: XNNPACK's fully-connected path. [M, K] × [K, N] → [M, N]. */
const plain = (backend: WasmBackendLike, a: TensorInfo, b: TensorInfo) =>
  runStockWasm('BatchMatMul', { inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } });

/**
 * One matrix product with the transposes made explicit: a is [K, M] when `ta` (else [M, K]), b is [N, K] when `tb`
 * (else [K, N]); returns a fresh [M, N] tensor. Aᵀ·Bᵀ is (B·A)ᵀ; for Aᵀ·B the smaller copy is
 * taken: Aᵀ (M·K floats), or Bᵀ and the result ((Bᵀ·A)ᵀ, K·N + M·N floats).
 */
function product(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo, m: number, k: number, n: number, ta: boolean, tb: boolean): TensorInfo {
  const temps: TensorInfo[] = [];
  const keep = (t: TensorInfo) => {
    temps.push(t);
    return t;
  };
  try {
    if (ta && tb) return transposed(backend, keep(plain(backend, view(b, [n, k]), view(a, [k, m]))), n, m);
    if (tb) return plain(backend, view(a, [m, k]), keep(transposed(backend, b, n, k)));
    if (ta && m * k <= k * n + m * n) return plain(backend, keep(transposed(backend, a, k, m)), view(b, [k, n]));
    if (ta) return transposed(backend, keep(plain(backend, keep(transposed(backend, b, k, n)), view(a, [k, m]))), n, m);
    return plain(backend, view(a, [m, k]), view(b, [k, n]));
  } finally {
    for (const t of temps) disposeTemp(backend, t);
  }
}

/** A fresh tensor holding matrix `index` of `t` (`size` floats each). */
function matrixCopy(backend: WasmBackendLike, t: TensorInfo, index: number, size: number): TensorInfo {
  const out = backend.makeOutput([size], 'float32');
  const dst = heapF32(backend, out);
  const src = heapF32(backend, t).byteOffset / 4 + index * size; // views after the allocation
  new Float32Array(dst.buffer).copyWithin(dst.byteOffset / 4, src, src + size);
  return out;
}

/**
 * `BatchMatMul` for the wasm backend. The stock kernel sends only one untransposed product (batch 1, no
 * transposes) to XNNPACK; any transpose or batch goes to a plain C++ loop 7–20× slower — and every Linear's
 * backward pass has both transposes (dW = xᵀ·dy, dx = dy·Wᵀ: 540 and 320 ms for a 256 → 32 layer over 32 768
 * pixels, against 30–50 ms here). This kernel makes the transposes explicit (the wasm Transpose) and runs a
 * batch as one XNNPACK product per matrix (broadcasting a batch of one). Other calls (int32, batch shapes that
 * broadcast partially, empty tensors) go to the stock kernel.
 */
export function batchMatMulWasm(args: WasmKernelArgs<{ a: TensorInfo; b: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const ta = Boolean(attrs.transposeA);
  const tb = Boolean(attrs.transposeB);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return runStockWasm('BatchMatMul', args);
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const [m, k] = ta ? [ca, ra] : [ra, ca];
  const [kb, n] = tb ? [cb, rb] : [rb, cb];
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  const batch = Math.max(batchA, batchB);
  let outer: number[];
  try {
    outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return runStockWasm('BatchMatMul', args); // its error names the shapes
  }
  // One batch index per output matrix: equal batches, or one side of one matrix ([2, 1] with [1, 2] is not).
  const indexable = util.sizeFromShape(outer) === batch && (batchA === batchB || Math.min(batchA, batchB) === 1);
  if (k !== kb || m * n * k === 0 || !indexable) return runStockWasm('BatchMatMul', args);
  if (batch === 1 && !ta && !tb) return runStockWasm('BatchMatMul', args); // already XNNPACK's product
  const outShape = [...outer, m, n];
  if (batch === 1) {
    const res = product(backend, a, b, m, k, n, ta, tb);
    res.shape = outShape;
    return res;
  }
  // A matrix shared by the whole batch is transposed once, not once per product.
  const sharedA = batchA === 1 && ta ? transposed(backend, a, k, m) : null; // [M, K]
  const sharedB = batchB === 1 && tb ? transposed(backend, b, n, k) : null; // [K, N]
  const [pa, pb] = [sharedA ?? a, sharedB ?? b];
  const [pta, ptb] = [ta && !sharedA, tb && !sharedB];
  const out = backend.makeOutput(outShape, 'float32');
  for (let i = 0; i < batch; i++) {
    const ai = batchA === 1 ? pa : matrixCopy(backend, a, i, m * k);
    const bi = batchB === 1 ? pb : matrixCopy(backend, b, i, k * n);
    const res = product(backend, ai, bi, m, k, n, pta, ptb); // [M, N]
    heapF32(backend, out).set(heapF32(backend, res), i * m * n);
    for (const t of [ai, bi, res]) if (t !== pa && t !== pb) disposeTemp(backend, t);
  }
  for (const t of [sharedA, sharedB]) if (t) disposeTemp(backend, t);
  return out;
}

export const batchMatMulWasmConfig: KernelConfig = kernelConfig('BatchMatMul', 'wasm', batchMatMulWasm);
