import { EmbeddedWasm } from './embedded.js';
import { unfilterWasmBase64 } from './unfilter-wasm.js';

interface UnfilterExports {
  memory: WebAssembly.Memory;
  unfilter(ptr: number, height: number, stride: number, bpp: number): number;
  samples16(ptr: number, height: number, stride: number, dst: number): void;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const module = new EmbeddedWasm<UnfilterExports>(unfilterWasmBase64);

function load(): UnfilterExports | null {
  return module.exports(); // null: no WebAssembly here (or it is disabled), the JavaScript unfilter runs instead
}

/** Copies `raw` into wasm memory after a zeroed row, reverses the filters there; status as `unfilter` returns it. */
function unfilterInMemory(wasm: UnfilterExports, raw: Uint8Array, height: number, stride: number, bpp: number, extra: number): number {
  const rowBytes = stride + 1;
  const size = rowBytes * height;
  const needed = rowBytes + size + extra;
  EmbeddedWasm.reserve(wasm, needed);
  const memory = new Uint8Array(wasm.memory.buffer);
  memory.fill(0, 0, rowBytes); // the row above the first row
  memory.set(raw.subarray(0, size), rowBytes);
  return wasm.unfilter(rowBytes, height, stride, bpp);
}

function release(wasm: UnfilterExports): void {
  module.release(wasm);
}

/**
 * Reverses the PNG row filters of `raw` (rows of a filter byte + `stride` bytes) in place with the WebAssembly
 * kernel. Returns -1 when done, the index of the first row with an invalid filter type (raw left unchanged), or
 * null when WebAssembly is unavailable.
 */
export function unfilterWasm(raw: Uint8Array, height: number, stride: number, bpp: number): number | null {
  const wasm = load();
  if (!wasm) return null;
  const status = unfilterInMemory(wasm, raw, height, stride, bpp, 0);
  if (status === 0) raw.set(new Uint8Array(wasm.memory.buffer, stride + 1, (stride + 1) * height));
  release(wasm);
  return status === 0 ? -1 : status - 1;
}

/**
 * Reverses the filters of 16-bit rows and returns their samples in native order (raw is not modified), the index
 * of the first row with an invalid filter type, or null when WebAssembly is unavailable (or the host is big-endian).
 */
export function unfilterWasm16(raw: Uint8Array, height: number, stride: number, bpp: number): Uint16Array | number | null {
  const wasm = LITTLE_ENDIAN ? load() : null;
  if (!wasm) return null;
  const rowBytes = stride + 1;
  const dst = (rowBytes * (height + 1) + 7) & ~7;
  const status = unfilterInMemory(wasm, raw, height, stride, bpp, dst - rowBytes * (height + 1) + stride * height);
  if (status !== 0) {
    release(wasm);
    return status - 1;
  }
  wasm.samples16(rowBytes, height, stride, dst);
  const samples = new Uint16Array(wasm.memory.buffer, dst, (stride * height) / 2).slice();
  release(wasm);
  return samples;
}
