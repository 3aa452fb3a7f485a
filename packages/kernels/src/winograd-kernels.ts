import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { stockKernels } from './stock.js';
import { winogradConv } from './winograd-conv.js';
import { winogradFilter } from './winograd-filter.js';
import { heapF32, type WasmBackendLike } from './wasm-backend.js';
import type { WinogradPool } from './winograd-pool.js';

/** What the wasm `Conv2D` / `FusedConv2D` kernels need at run time (set by `registerInferenceKernels`). */
export interface WinogradState {
  pool: WinogradPool | null;
  /** Smallest Cin and Cout taken by the Winograd path (smaller convs go to XNNPACK). */
  minChannels: number;
  /** Convolutions run through the Winograd path since registration (for tests and benches). */
  calls: number;
  /** Filter gradients (`Conv2DBackpropFilter`) run through the Winograd path. */
  filterGradCalls: number;
}

export const winogradState: WinogradState = { pool: null, minChannels: 32, calls: 0, filterGradCalls: 0 };

/** Transformed filters by the filter tensor's dataId (tensors are immutable; the entry dies with the tensor). */
const filterCache = new WeakMap<object, Float32Array>();

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
}

const isOne = (v: number | [number, number] | undefined) => v === undefined || v === 1 || (Array.isArray(v) && v[0] === 1 && v[1] === 1);

/** The conv geometry when the Winograd path takes this call, else null (the stock kernel runs). */
export function winogradGeometry(x: TensorInfo, filter: TensorInfo, attrs: ConvAttrs, minChannels: number): tf.backend_util.Conv2DInfo | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || !isOne(attrs.strides) || !isOne(attrs.dilations)) return null;
  const [kh, kw, cin, cout] = filter.shape;
  if (kh !== 3 || kw !== 3 || x.shape[3] !== cin || cin % 4 !== 0 || cout % 8 !== 0 || cin < minChannels || cout < minChannels) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    1,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  if (info.outHeight < 1 || info.outWidth < 1) return null;
  return info;
}

function transformedFilter(backend: WasmBackendLike, filter: TensorInfo): Float32Array {
  let u = filterCache.get(filter.dataId);
  if (!u) {
    const [, , cin, cout] = filter.shape;
    u = winogradFilter(heapF32(backend, filter), cin, cout);
    filterCache.set(filter.dataId, u);
  }
  return u;
}

/** Runs the Winograd conv into a fresh output on the wasm heap. */
function runWinograd(
  backend: WasmBackendLike,
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  info: tf.backend_util.Conv2DInfo,
  relu: boolean,
  pool: WinogradPool,
): TensorInfo {
  const u = transformedFilter(backend, filter);
  const out = backend.makeOutput(info.outShape, 'float32');
  // Views after the last heap allocation (makeOutput may grow the heap).
  winogradConv(pool, {
    x: heapF32(backend, x),
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    cin: info.inChannels,
    u,
    cout: info.outChannels,
    bias: bias ? heapF32(backend, bias) : null,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    outH: info.outHeight,
    outW: info.outWidth,
    relu,
    out: heapF32(backend, out),
  });
  winogradState.calls++;
  return out;
}

function stock(name: string): KernelConfig {
  const k = stockKernels.get(`${name}/wasm`);
  if (!k) throw new Error(`@anydepth/kernels: the stock wasm ${name} kernel is not recorded (call registerInferenceKernels)`);
  return k;
}

const conv2D: KernelFunc = (args) => {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const pool = winogradState.pool;
  const info = pool ? winogradGeometry(x, filter, args.attrs as unknown as ConvAttrs, winogradState.minChannels) : null;
  if (!pool || !info) return stock('Conv2D').kernelFunc(args);
  return runWinograd(args.backend as WasmBackendLike, x, filter, undefined, info, false, pool);
};

const fusedConv2D: KernelFunc = (args) => {
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
  const attrs = args.attrs as unknown as ConvAttrs;
  const activation = attrs.activation ?? 'linear';
  const pool = winogradState.pool;
  const info = pool && x && filter ? winogradGeometry(x, filter, attrs, winogradState.minChannels) : null;
  const biasOk = !bias || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === filter?.shape[3]);
  if (!pool || !info || !biasOk || preluActivationWeights || (activation !== 'linear' && activation !== 'relu')) {
    return stock('FusedConv2D').kernelFunc(args);
  }
  return runWinograd(args.backend as WasmBackendLike, x!, filter!, bias, info, activation === 'relu', pool);
};

export const winogradConv2DConfig: KernelConfig = { kernelName: 'Conv2D', backendName: 'wasm', kernelFunc: conv2D };
export const winogradFusedConv2DConfig: KernelConfig = { kernelName: 'FusedConv2D', backendName: 'wasm', kernelFunc: fusedConv2D };
