import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

/** Kernels that were registered before ours replaced them (`Name/backend` → config), to delegate to and restore. */
export const stockKernels = new Map<string, KernelConfig>();

/** Runs the stock wasm kernel `name` that one of ours replaced, for the calls ours does not take. */
export function runStockWasm(name: string, args: unknown): TensorInfo {
  const stock = stockKernels.get(`${name}/wasm`);
  if (!stock) throw new Error(`@anydepth/kernels ${name}: this call needs the stock wasm kernel, which is not registered`);
  return stock.kernelFunc(args as never) as TensorInfo;
}

/** The bytes of an embedded (base64) WebAssembly module. */
export function wasmBytes(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
}
