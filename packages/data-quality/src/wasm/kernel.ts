import { EmbeddedWasm } from '@anydepth/datasets';
import { scoreCodesWasmBase64 } from './score-codes-wasm.js';

interface ScoreCodesExports {
  memory: WebAssembly.Memory;
  count(d: number, width: number, height: number, first: number, span: number, counts: number, grid: number, large: number): number;
  gather(d: number, width: number, height: number, first: number, span: number, scale: number, sA: number, sB: number, out: number): number;
}

/** Where the counting pass left its results: views into the module's memory, valid until the next call. */
export interface CodeCounts {
  counts: Uint32Array;
  grid: Uint32Array;
  /** room for every kept position; the first `nLarge` hold the listed squares */
  large: Float64Array;
  nLarge: number;
}

const CODES = 65536;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// Typed-array views of wasm memory assume a little-endian host; elsewhere score-codes.ts runs its JavaScript loops.
const module = new EmbeddedWasm<ScoreCodesExports>(scoreCodesWasmBase64);

/**
 * The WebAssembly passes over one map of 16-bit codes: `count` copies the codes into the module and counts codes and
 * difference vectors; `gather` then collects the float64 magnitudes of a tie group from the same copy. Null where
 * WebAssembly is unavailable.
 */
export class CodeKernel {
  private layout = { codes: 0, counts: 0, grid: 0, large: 0, gathered: 0, width: 0, height: 0 };

  private constructor(private readonly wasm: ScoreCodesExports) {}

  static create(): CodeKernel | null {
    const wasm = LITTLE_ENDIAN ? module.exports() : null;
    return wasm ? new CodeKernel(wasm) : null;
  }

  count(data: Uint16Array, width: number, height: number, first: number, span: number): CodeCounts {
    const n = width * height;
    const align8 = (x: number) => (x + 7) & ~7;
    const codes = 0;
    const counts = align8(codes + 2 * n);
    const grid = counts + 4 * CODES;
    const large = grid + 4 * 256 * 256;
    const gathered = large + 8 * n;
    const needed = gathered + 8 * n;
    EmbeddedWasm.reserve(this.wasm, needed);
    this.layout = { codes, counts, grid, large, gathered, width, height };
    const buffer = this.wasm.memory.buffer;
    new Uint16Array(buffer, codes, n).set(data);
    const countsView = new Uint32Array(buffer, counts, CODES);
    const gridView = new Uint32Array(buffer, grid, 256 * 256);
    countsView.fill(0);
    gridView.fill(0);
    const nLarge = this.wasm.count(codes, width, height, first, span, counts, grid, large);
    for (let i = (height - 1) * width; i < n; i++) countsView[data[i]]++; // last row: counted, no gradient
    return { counts: countsView, grid: gridView, large: new Float64Array(buffer, large, n), nLarge };
  }

  /** Float64 magnitudes of the kept positions with dx² + dy² = sA or sB, of the map given to the last `count`. */
  gather(first: number, span: number, scale: number, sA: number, sB: number): Float64Array {
    const { codes, gathered, width, height } = this.layout;
    const k = this.wasm.gather(codes, width, height, first, span, scale, sA, sB, gathered);
    return new Float64Array(this.wasm.memory.buffer, gathered, k);
  }

  /** Drops the instance when a large map grew its memory beyond what is worth keeping. */
  release(): void {
    module.release(this.wasm);
  }
}
