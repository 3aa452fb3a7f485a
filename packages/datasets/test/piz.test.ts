import { describe, expect, it } from 'vitest';
import { canonicalCodes, DecodeError, HUF_ENCSIZE, hufUncompress, reverseLutFromBitmap, wav2Decode, wdec14, wdec16, wenc14, wenc16 } from '../src/index.js';

// The PIZ pieces separately. End-to-end PIZ against libOpenEXR output is in exr.test.ts.

/** Forward 2-D wavelet (ImfWav.cpp wav2Encode), written here only to produce test input for wav2Decode. */
function wav2Encode(buf: Uint16Array, nx: number, ox: number, ny: number, oy: number, mx: number): void {
  const enc = mx < 1 << 14 ? wenc14 : wenc16;
  const n = nx > ny ? ny : nx;
  let p = 1;
  let p2 = 2;
  while (p2 <= n) {
    const ey = oy * (ny - p2);
    const oy1 = oy * p,
      oy2 = oy * p2,
      ox1 = ox * p,
      ox2 = ox * p2;
    let py = 0;
    for (; py <= ey; py += oy2) {
      let px = py;
      const ex = py + ox * (nx - p2);
      for (; px <= ex; px += ox2) {
        const p01 = px + ox1,
          p10 = px + oy1,
          p11 = p10 + ox1;
        const [i00, i01] = enc(buf[px], buf[p01]);
        const [i10, i11] = enc(buf[p10], buf[p11]);
        [buf[px], buf[p10]] = enc(i00, i10);
        [buf[p01], buf[p11]] = enc(i01, i11);
      }
      if (nx & p) {
        const p10 = px + oy1;
        [buf[px], buf[p10]] = enc(buf[px], buf[p10]);
      }
    }
    if (ny & p) {
      let px = py;
      const ex = py + ox * (nx - p2);
      for (; px <= ex; px += ox2) {
        const p01 = px + ox1;
        [buf[px], buf[p01]] = enc(buf[px], buf[p01]);
      }
    }
    p = p2;
    p2 <<= 1;
  }
}

describe('PIZ wavelet', () => {
  it('14-bit pair transform: hand vectors and exact inverse over a grid of 14-bit pairs', () => {
    // wenc14(a, b) = ((a + b) >> 1, a − b) as signed shorts
    expect(wenc14(10, 4)).toEqual([7, 6]);
    expect(wenc14(3, 8)).toEqual([5, 0xffff - 4]); // (11 >> 1) = 5, 3 − 8 = −5
    expect(wdec14(7, 6)).toEqual([10, 4]);
    let bad = 0;
    for (let a = 0; a < 1 << 14; a += 13)
      for (let b = 0; b < 1 << 14; b += 11) {
        const [x, y] = wdec14(...wenc14(a, b));
        if (x !== a || y !== b) bad++;
      }
    expect(bad).toBe(0);
  });
  it('16-bit modular pair transform: exact inverse over a grid covering all 16-bit values', () => {
    let bad = 0;
    for (let a = 0; a < 65536; a += 53)
      for (let b = 0; b < 65536; b += 47) {
        const [x, y] = wdec16(...wenc16(a, b));
        if (x !== a || y !== b) bad++;
      }
    expect(bad).toBe(0);
    expect(wdec16(...wenc16(65535, 0))).toEqual([65535, 0]);
    expect(wdec16(...wenc16(0, 65535))).toEqual([0, 65535]);
  });
  it('2-D inverse undoes the forward transform for odd/even sizes, strides and both bit modes', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (const [nx, ny, ox, mx] of [
      [1, 1, 1, 100],
      [7, 5, 1, 16383],
      [16, 16, 1, 9000],
      [67, 32, 2, 16000],
      [33, 9, 1, 65535],
      [520, 32, 1, 65535],
    ]) {
      const n = nx * ny * ox;
      const orig = new Uint16Array(n);
      for (let i = 0; i < n; i++) orig[i] = Math.floor(rnd() * (mx + 1));
      for (let j = 0; j < ox; j++) {
        const buf = orig.slice();
        wav2Encode(buf.subarray(j), nx, ox, ny, nx * ox, mx);
        if (nx * ny > 1) expect(buf).not.toEqual(orig);
        wav2Decode(buf, j, nx, ox, ny, nx * ox, mx);
        expect(buf).toEqual(orig);
      }
    }
  });
});

describe('PIZ range LUT', () => {
  it('reverse LUT lists 0 and every value whose bitmap bit is set, in order', () => {
    const bitmap = new Uint8Array(8192);
    for (const v of [3, 17, 256, 65535]) bitmap[v >> 3] |= 1 << (v & 7);
    const lut = new Uint16Array(65536);
    expect(reverseLutFromBitmap(bitmap, lut)).toBe(4);
    expect(Array.from(lut.subarray(0, 6))).toEqual([0, 3, 17, 256, 65535, 0]);
  });
});

/** MSB-first bit writer (test side). */
class Bits {
  bytes: number[] = [];
  private acc = 0;
  private n = 0;
  total = 0;
  put(value: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | (Math.floor(value / 2 ** i) & 1);
      this.n++;
      this.total++;
      if (this.n === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }
  flush(): Uint8Array {
    if (this.n > 0) this.bytes.push(this.acc << (8 - this.n));
    this.acc = 0;
    this.n = 0;
    return new Uint8Array(this.bytes);
  }
}

/** Packs a Huffman block: 20-byte header, 6-bit code lengths (with zero runs), then the coded symbols. */
function packHuffman(lengths: Map<number, number>, symbols: (number | [number, number])[]): { block: Uint8Array; codes: Float64Array } {
  const syms = [...lengths.keys()].sort((a, b) => a - b);
  const im = syms[0];
  const iM = syms[syms.length - 1];
  const all = new Uint8Array(HUF_ENCSIZE);
  for (const [s, l] of lengths) all[s] = l;
  const codes = canonicalCodes(all);
  const table = new Bits();
  for (let s = im; s <= iM; s++) {
    const l = all[s];
    if (l === 0) {
      let run = 0;
      while (s + run <= iM && all[s + run] === 0) run++;
      if (run >= 6) {
        const r = Math.min(run, 255 + 6);
        table.put(63, 6);
        table.put(r - 6, 8);
        s += r - 1;
      } else if (run >= 2) {
        table.put(59 + run - 2, 6);
        s += run - 1;
      } else table.put(0, 6);
    } else table.put(l, 6);
  }
  const tableBytes = table.flush();
  const data = new Bits();
  for (const x of symbols) {
    if (Array.isArray(x)) {
      data.put(codes[iM], all[iM]); // run-length code: repeat the previous value x[1] times
      data.put(x[1], 8);
    } else data.put(codes[x], all[x]);
  }
  const nBits = data.total;
  const dataBytes = data.flush();
  const block = new Uint8Array(20 + tableBytes.length + dataBytes.length);
  const dv = new DataView(block.buffer);
  dv.setUint32(0, im, true);
  dv.setUint32(4, iM, true);
  dv.setUint32(8, tableBytes.length, true);
  dv.setUint32(12, nBits, true);
  block.set(tableBytes, 20);
  block.set(dataBytes, 20 + tableBytes.length);
  return { block, codes };
}

describe('PIZ Huffman', () => {
  it('canonical codes follow OpenEXR (longest codes numerically first): lengths 1,2,3,3 → 1, 01, 000, 001', () => {
    const l = new Uint8Array(HUF_ENCSIZE);
    l[5] = 1;
    l[6] = 2;
    l[7] = 3;
    l[8] = 3;
    const c = canonicalCodes(l);
    expect([c[5], c[6], c[7], c[8]]).toEqual([1, 1, 0, 1]);
  });

  it('decodes a hand-built stream with short codes, a long (> 14-bit) code, zero runs and the run-length symbol', () => {
    // symbols 0, 1, 2, 40 000 (lengths 1–4), fillers 41 005–41 019 (lengths 5–19), 50 000 and the run-length
    // symbol 60 000 (= iM) at 20 bits: a complete prefix code (Kraft sum 1), as a real Huffman table always is.
    const lengths = new Map([
      [0, 1],
      [1, 2],
      [2, 3],
      [40000, 4],
      [50000, 20],
      [60000, 20],
    ]);
    for (let l = 5; l <= 19; l++) lengths.set(41000 + l, l);
    const kraft = [...lengths.values()].reduce((s, l) => s + 2 ** -l, 0);
    expect(kraft).toBe(1);
    const want = [0, 1, 1, 2, 40000, 50000, 41017, 0, 0, 0, 0, 0, 0, 0, 2, 50000];
    const { block } = packHuffman(lengths, [0, 1, 1, 2, 40000, 50000, 41017, 0, [0, 6], 2, 50000] as (number | [number, number])[]);
    const out = new Uint16Array(want.length);
    hufUncompress(block, 0, block.length, out, want.length);
    expect(Array.from(out)).toEqual(want);
  });

  it('decodes long codes in bounded time per symbol (16 384 codes of 28 bits sharing one 14-bit prefix)', () => {
    // lengths 1..14 for symbols 0..13 leave 2^-14 of the code space; 16 384 symbols of 28 bits fill it exactly
    const lengths = new Map<number, number>();
    for (let l = 1; l <= 14; l++) lengths.set(l - 1, l);
    for (let k = 0; k < 1 << 14; k++) lengths.set(100 + k, 28);
    const last = 100 + (1 << 14) - 1; // iM: the run-length symbol, not used below
    const want: number[] = [];
    for (let i = 0; i < 3000; i++) want.push(i % 7 === 0 ? i % 14 : last - 1 - (i % 500));
    const { block } = packHuffman(lengths, want);
    const out = new Uint16Array(want.length);
    const t0 = performance.now();
    hufUncompress(block, 0, block.length, out, want.length);
    const ms = performance.now() - t0;
    expect(Array.from(out)).toEqual(want);
    expect(ms).toBeLessThan(1000); // ≈ 10 ms per symbol (30 s here) with a linear scan of the candidates
  });

  it('rejects an incomplete code table (OpenEXR canonical codes would collide)', () => {
    const l = new Map([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 20],
      [4, 20],
    ]);
    const { block } = packHuffman(l, [0, 1]);
    expect(() => hufUncompress(block, 0, block.length, new Uint16Array(2), 2)).toThrow(/prefix-free/);
  });

  it('rejects a stream that decodes to the wrong number of values, and truncated blocks', () => {
    const lengths = new Map([
      [0, 1],
      [1, 2],
      [9, 2],
    ]); // complete: 1/2 + 1/4 + 1/4
    const { block } = packHuffman(lengths, [0, 1, 1, 0]);
    expect(() => hufUncompress(block, 0, block.length, new Uint16Array(5), 5)).toThrow(DecodeError);
    expect(() => hufUncompress(block, 0, block.length, new Uint16Array(3), 3)).toThrow(DecodeError);
    expect(() => hufUncompress(block, 0, 12, new Uint16Array(4), 4)).toThrow(DecodeError);
    const ok = new Uint16Array(4);
    hufUncompress(block, 0, block.length, ok, 4);
    expect(Array.from(ok)).toEqual([0, 1, 1, 0]);
  });
});
