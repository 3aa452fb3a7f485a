import { wasmBytes } from './stock.js';
import type { WasmBackendLike } from './wasm-backend.js';

/** The backend's WebAssembly memory: `wasmMemory` in the threaded build (shared), `asm.memory` otherwise. */
export function backendMemory(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  return backend.wasm?.wasmMemory ?? backend.wasm?.asm?.memory;
}

/**
 * A loader for one of our modules that import the tfjs backend's memory (so kernels run on tensors in place):
 * it instantiates the shared or the unshared variant, as the memory is, once per memory, and gives null where the
 * module cannot run (no WebAssembly SIMD: the stock kernel stays in use).
 */
export function backendMemoryModule<Exports>(sharedBase64: string, unsharedBase64: string): (memory: WebAssembly.Memory) => Exports | null {
  const instances = new WeakMap<WebAssembly.Memory, Exports | null>();
  return (memory) => {
    const known = instances.get(memory);
    if (known !== undefined) return known;
    let exports: Exports | null = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const bytes = wasmBytes(shared ? sharedBase64 : unsharedBase64);
      exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as Exports;
    } catch {
      exports = null;
    }
    instances.set(memory, exports);
    return exports;
  };
}
