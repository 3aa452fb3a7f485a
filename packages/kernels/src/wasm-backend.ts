import type { DataType, KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` that JS kernels use (the same ones its own JS kernels use):
 * every tensor lives on the wasm heap at `dataIdMap.get(dataId).memoryOffset`.
 */
export interface WasmBackendLike extends KernelBackend {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
  /** The emscripten module: its WebAssembly memory is `wasmMemory` in the threaded build (shared), `asm.memory` otherwise. */
  wasm?: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
}

/** What tfjs passes a kernel function of the wasm backend: its named inputs, the backend and the attributes. */
export interface WasmKernelArgs<Inputs> {
  inputs: Inputs;
  backend: WasmBackendLike;
  attrs: Record<string, unknown>;
}

/**
 * A float32 view of a tensor on the wasm heap. Views are invalidated when the heap grows (any allocation,
 * e.g. `makeOutput`), so take them after the last allocation and never keep them across kernel calls.
 */
export function heapF32(backend: WasmBackendLike, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Byte offset of a tensor's data in the backend's memory (for modules that run on it in place). */
export function memoryOffset(backend: WasmBackendLike, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/** Calls the wasm backend's own BatchMatMul kernel (XNNPACK / blocked C++) on two rank-3 tensors. */
export function wasmBatchMatMul(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const kernel = tf.getKernel('BatchMatMul', 'wasm');
  if (!kernel) throw new Error('@anydepth/kernels: the wasm backend has no BatchMatMul kernel (is @tensorflow/tfjs-backend-wasm loaded?)');
  return kernel.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } }) as TensorInfo;
}

/** Calls another registered kernel of the wasm backend. */
export function wasmKernel(name: string, backend: WasmBackendLike, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`@anydepth/kernels: the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as never }) as TensorInfo;
}

/** Frees a temporary created inside a kernel. */
export function disposeTemp(backend: WasmBackendLike, info: TensorInfo): void {
  backend.disposeData(info.dataId, true);
}

/** tfjs' `KernelConfig` registering `kernelFunc` as `kernelName` on `backendName` (the typed args cast once, here). */
export function kernelConfig(kernelName: string, backendName: 'wasm' | 'cpu', kernelFunc: (args: never) => TensorInfo | TensorInfo[]): KernelConfig {
  return { kernelName, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
}
