import type * as tf from '@tensorflow/tfjs-core';
import { type WasmBackendLike, backendMemory, backendMemoryModule, memoryOffset } from '@anydepth/kernels';
import type { GridSampleAttrs } from './grid-sample-impl.js';
import { gridSampleUnsharedWasmBase64 } from './wasm/grid-sample-unshared-wasm.js';
import { gridSampleWasmBase64 } from './wasm/grid-sample-wasm.js';

interface GridSampleExports {
  forward(job: number): void;
  backward(job: number): void;
}

/** The grid-sample module (src/wasm/grid-sample.wat) importing the backend's memory. */
export const gridSampleModuleFor = backendMemoryModule<GridSampleExports>(gridSampleWasmBase64, gridSampleUnsharedWasmBase64);

/** Int32 fields of the job record (see the .wat), then the zero row and the sink row. */
const JOB_WORDS = 16;

/**
 * The SIMD module for this call, or null where it does not apply or is switched off (the typed-array reference
 * runs): it takes bilinear sampling with 'zeros' or 'border' padding (DySample's) whose channel groups are multiples of 4.
 */
let simdEnabled = true;

/**
 * Whether the wasm kernels run bilinear 'zeros' / 'border' sampling on the SIMD module (default true) or on the
 * typed-array reference, which they use for everything else (to compare the two in tests and benches).
 */
export function setGridSampleWasmSimd(enabled: boolean): void {
  simdEnabled = enabled;
}

function simdFor(backend: WasmBackendLike, x: tf.TensorInfo, attrs: GridSampleAttrs): GridSampleExports | null {
  if (!simdEnabled) return null;
  const groups = attrs.groups ?? 1;
  if (attrs.mode !== 'bilinear' || (attrs.paddingMode !== 'zeros' && attrs.paddingMode !== 'border')) return null;
  if ((x.shape[3] / groups) % 4 !== 0) return null;
  const memory = backendMemory(backend);
  return memory ? gridSampleModuleFor(memory) : null;
}

/** Writes the job record (with the zero and sink rows after it) into a temporary and runs `run` on it. */
function withJob(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  grid: tf.TensorInfo,
  attrs: GridSampleAttrs,
  fields: { data: number; dx?: number; dgrid?: number },
  run: (job: number) => void,
): void {
  const [b, h, w, c] = x.shape;
  const cg = c / (attrs.groups ?? 1);
  const temp = backend.makeOutput([JOB_WORDS + 2 * cg], 'float32');
  const job = memoryOffset(backend, temp);
  const heap = backend.typedArrayFromHeap(temp) as Float32Array;
  heap.fill(0);
  const words = new Int32Array(heap.buffer, heap.byteOffset, JOB_WORDS);
  const points = grid.shape[1] * grid.shape[2];
  const flags = [attrs.alignCorners ? 1 : 0, attrs.paddingMode === 'border' ? 1 : 0];
  const rows = [job + 4 * JOB_WORDS, job + 4 * (JOB_WORDS + cg)]; // zero row, sink row
  words.set([memoryOffset(backend, x), memoryOffset(backend, grid), fields.data, fields.dx ?? 0, fields.dgrid ?? 0, b, h, w, c, attrs.groups ?? 1, points, ...flags, ...rows]);
  try {
    run(job);
  } finally {
    backend.disposeData(temp.dataId, true);
  }
}

/** Forward on the SIMD module: out [B, Ho, Wo, C], or null when the module does not take this call. */
export function gridSampleForwardWasm(backend: WasmBackendLike, x: tf.TensorInfo, grid: tf.TensorInfo, attrs: GridSampleAttrs): tf.TensorInfo | null {
  const simd = simdFor(backend, x, attrs);
  if (!simd) return null;
  const out = backend.makeOutput([x.shape[0], grid.shape[1], grid.shape[2], x.shape[3]], 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0); // points that sample nothing stay 0
  withJob(backend, x, grid, attrs, { data: memoryOffset(backend, out) }, (job) => simd.forward(job));
  return out;
}

/** Backward on the SIMD module: [dx, dgrid], or null when the module does not take this call. */
export function gridSampleBackwardWasm(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
  grid: tf.TensorInfo,
  attrs: GridSampleAttrs,
): tf.TensorInfo[] | null {
  const simd = simdFor(backend, x, attrs);
  if (!simd) return null;
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgrid = backend.makeOutput([...grid.shape], 'float32');
  for (const t of [dx, dgrid]) (backend.typedArrayFromHeap(t) as Float32Array).fill(0);
  withJob(backend, x, grid, attrs, { data: memoryOffset(backend, dy), dx: memoryOffset(backend, dx), dgrid: memoryOffset(backend, dgrid) }, (job) => simd.backward(job));
  return [dx, dgrid];
}
