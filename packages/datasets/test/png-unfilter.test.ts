import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { compileWat } from '../../../scripts/build-wasm.mjs';
import { decodePng } from '../src/index.js';
import { unfilterInPlace } from '../src/decoders/png.js';
import { unfilterWasm, unfilterWasm16 } from '../src/wasm/unfilter.js';
import { unfilterWasmBase64 } from '../src/wasm/unfilter-wasm.js';
import { encodePng } from './helpers.js';

/** Filtered rows with random bytes and a filter type per row from `filterOf` (any byte string is a valid filtered row). */
function filteredRows(height: number, stride: number, filterOf: (y: number) => number, seed: number): Uint8Array {
  let s = seed;
  const raw = new Uint8Array(height * (stride + 1));
  for (let i = 0; i < raw.length; i++) raw[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  for (let y = 0; y < height; y++) raw[y * (stride + 1)] = filterOf(y);
  return raw;
}

/** Index of the first element where a and b differ (-1 when equal): deep equality is too slow on megabyte arrays. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('WebAssembly PNG unfilter', () => {
  it('the embedded module is the compiled unfilter.wat (run `npm run wasm` after editing it)', async () => {
    const wat = readFileSync(new URL('../src/wasm/unfilter.wat', import.meta.url), 'utf8');
    const compiled = await compileWat('unfilter.wat', wat);
    expect(Buffer.from(compiled).toString('base64')).toBe(unfilterWasmBase64);
  });

  it('equals the JavaScript unfilter byte for byte: every filter type on every row position, bpp 1–8, odd widths', () => {
    let cases = 0;
    for (const bpp of [1, 2, 3, 4, 6, 8]) {
      for (const width of [1, 2, 3, 7, 64, 101]) {
        const stride = width * bpp;
        // each filter type first (row 0 has no row above), then every pair of types in sequence
        const order = [0, 1, 2, 3, 4, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 1, 3, 2, 4, 0, 4, 2, 0, 3, 1, 4];
        for (let start = 0; start < 5; start++) {
          const height = order.length - start;
          const raw = filteredRows(height, stride, (y) => order[start + y], bpp * 1000 + width * 10 + start);
          const js = raw.slice();
          unfilterInPlace(js, height, stride, bpp);
          const wasm = raw.slice();
          expect(unfilterWasm(wasm, height, stride, bpp)).toBe(-1);
          expect(firstDifference(wasm, js)).toBe(-1);
          if (bpp % 2 === 0) {
            // 16-bit samples in native order: big-endian pairs of the unfiltered rows
            const want = new Uint16Array((stride / 2) * height);
            for (let y = 0; y < height; y++) {
              for (let i = 0; i < stride / 2; i++) want[y * (stride / 2) + i] = (js[y * (stride + 1) + 1 + 2 * i] << 8) | js[y * (stride + 1) + 2 + 2 * i];
            }
            const raw16 = raw.slice();
            const samples = unfilterWasm16(raw16, height, stride, bpp);
            expect(samples).toBeInstanceOf(Uint16Array);
            expect(firstDifference(samples as Uint16Array, want)).toBe(-1);
            expect(firstDifference(raw16, raw)).toBe(-1); // input untouched
          }
          cases++;
        }
      }
    }
    expect(cases).toBe(6 * 6 * 5);
  });

  it('an invalid filter type: the row is named, the input is left as it was, decodePng says so', () => {
    const raw = filteredRows(6, 8, (y) => (y === 3 ? 7 : y % 5), 5);
    const copy = raw.slice();
    expect(unfilterWasm(copy, 6, 8, 2)).toBe(3);
    expect(copy).toEqual(raw);
    expect(unfilterWasm16(copy, 6, 8, 2)).toBe(3);
    // a PNG whose row 2 has filter byte 9: rewrite the filter in an encoder-made file with an uncompressed stream
    const png = encodePng(
      4,
      4,
      1,
      16,
      Array.from({ length: 16 }, (_, i) => i * 1000),
      (y) => (y === 2 ? 9 : 0),
    );
    expect(() => decodePng(png)).toThrow(/invalid filter type 9 on row 2/);
  });

  it('images of growing size reuse and grow the module memory; results stay exact', () => {
    for (const [width, height] of [
      [10, 10],
      [700, 500],
      [30, 20],
      [1500, 1200],
    ]) {
      const stride = width * 2;
      const raw = filteredRows(height, stride, (y) => (y * 7) % 5, width);
      const js = raw.slice();
      unfilterInPlace(js, height, stride, 2);
      const wasm = raw.slice();
      expect(unfilterWasm(wasm, height, stride, 2)).toBe(-1);
      expect(firstDifference(wasm, js)).toBe(-1);
    }
  });

  it('without WebAssembly (e.g. a CSP without wasm-unsafe-eval) decodePng falls back to JavaScript, same pixels', async () => {
    const w = 37;
    const h = 9;
    for (const [ch, bits] of [
      [1, 16],
      [3, 8],
      [3, 16],
    ] as const) {
      const vals = Array.from({ length: w * h * ch }, (_, i) => (i * 2654435761) % (bits === 16 ? 65536 : 256));
      const png = encodePng(w, h, ch, bits, vals, (y) => y % 5);
      vi.resetModules();
      vi.stubGlobal('WebAssembly', undefined);
      try {
        const fresh = await import('../src/decoders/png.js');
        const wasmless = await import('../src/wasm/unfilter.js');
        expect(wasmless.unfilterWasm(new Uint8Array(2), 1, 1, 1)).toBeNull();
        expect(Array.from(fresh.decodePng(png).data)).toEqual(vals);
      } finally {
        vi.unstubAllGlobals();
      }
      expect(Array.from(decodePng(png).data)).toEqual(vals);
    }
  });
});
