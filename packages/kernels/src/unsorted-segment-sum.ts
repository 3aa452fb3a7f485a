import type { DataType, KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { type WasmBackendLike, kernelConfig } from './wasm-backend.js';

type Values = Float32Array | Int32Array | Uint8Array;

/** Output shape: [numSegments, ...x.shape after the segment-id dims]. */
export function segmentSumShape(xShape: number[], idsRank: number, numSegments: number): number[] {
  return [numSegments, ...xShape.slice(idsRank)];
}

/**
 * One pass over x: out[ids[i]] += x[i] for each row of `inner` values. Ids outside [0, numSegments) are
 * dropped, as in TensorFlow. Float sums accumulate in float64 and are written once.
 */
export function segmentSum(x: Values, ids: Int32Array | Float32Array, numSegments: number, inner: number, out: Values, dtype: DataType): void {
  // Floats accumulate in float64 and are written once; integer sums go straight into `out`.
  const acc = dtype === 'float32' ? new Float64Array(numSegments * inner) : out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const xi = i * inner;
    for (let k = 0; k < inner; k++) acc[o + k] += x[xi + k];
  }
  if (acc !== out) for (let k = 0; k < acc.length; k++) out[k] = acc[k];
}

function outputDtype(dtype: DataType): DataType {
  return dtype === 'int32' || dtype === 'bool' ? 'int32' : 'float32';
}

interface SegmentArgs<B> {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  backend: B;
  attrs: { numSegments: number };
}

/** UnsortedSegmentSum for the wasm backend (it ships none): a single pass over the heap views. */
export function unsortedSegmentSumWasm({ inputs, backend, attrs }: SegmentArgs<WasmBackendLike>): TensorInfo {
  const { x, segmentIds } = inputs;
  const shape = segmentSumShape(x.shape, segmentIds.shape.length, attrs.numSegments);
  const dtype = outputDtype(x.dtype);
  const inner = util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const out = backend.makeOutput(shape, dtype);
  const xv = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  segmentSum(xv, ids, attrs.numSegments, inner, backend.typedArrayFromHeap(out), dtype);
  return out;
}

interface CpuBackendLike extends KernelBackend {
  data: { get(dataId: object): { values: Values } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Values): TensorInfo;
}

/** UnsortedSegmentSum for the cpu backend: one pass instead of the stock one-op-per-segment kernel. */
export function unsortedSegmentSumCpu({ inputs, backend, attrs }: SegmentArgs<CpuBackendLike>): TensorInfo {
  const { x, segmentIds } = inputs;
  const shape = segmentSumShape(x.shape, segmentIds.shape.length, attrs.numSegments);
  const dtype = outputDtype(x.dtype);
  const inner = util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const values = dtype === 'int32' ? new Int32Array(util.sizeFromShape(shape)) : new Float32Array(util.sizeFromShape(shape));
  const xv = backend.data.get(x.dataId).values;
  const ids = backend.data.get(segmentIds.dataId).values as Int32Array;
  segmentSum(xv, ids, attrs.numSegments, inner, values, dtype);
  return backend.makeTensorInfo(shape, dtype, values);
}

export const unsortedSegmentSumWasmConfig: KernelConfig = kernelConfig('UnsortedSegmentSum', 'wasm', unsortedSegmentSumWasm);

export const unsortedSegmentSumCpuConfig: KernelConfig = kernelConfig('UnsortedSegmentSum', 'cpu', unsortedSegmentSumCpu);
