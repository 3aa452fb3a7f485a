import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeExr, decodeExrDepth, DecodeError, parseExrHeader } from '../src/index.js';
import { nodeInflate } from '../src/node.js';
import { bytesOf, data, stats } from './helpers.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

// Formulas of test/fixtures/make-exr-fixtures.cpp (the files were written by libOpenEXR 3.1.5 from these values).
const depthAt = (x: number, y: number): number => (x >= 50 && y >= 60 ? 1e10 : 0.5 + 0.03125 * x + 0.0625 * y + 0.25 * Math.sin(0.3 * x) * Math.cos(0.2 * y));
const halfAt = (x: number, y: number): number => ((x * 7 + y * 13) % 64) / 16 - 2;
const uintAt = (x: number, y: number): number => x * 1000 + y * 7;

describe('OpenEXR: real files of ../shared/data', () => {
  it('float32 ZIP depth (R=G=B, Blender units, 1e10 background): MANIFEST stats', () => {
    const bytes = bytesOf(data('exr_format_samples/disparityprojection/depth.exr'));
    const h = parseExrHeader(bytes);
    expect(h.compression).toBe('zip');
    expect(h.channels.map((c) => `${c.name}:${c.type}`)).toEqual(['B:float', 'G:float', 'R:float']);
    const img = decodeExr(bytes, { inflate: nodeInflate });
    expect(img.channels.R).toEqual(img.channels.G);
    const m = decodeExrDepth(bytes, { invalidAbove: 1e9 });
    expect([m.width, m.height]).toEqual([500, 500]);
    const s = stats(m);
    expect(s.validPct).toBeCloseTo(27.5, 1);
    expect(Math.abs(s.min - 2.378)).toBeLessThan(6e-4);
    expect(Math.abs(s.max - 3.224)).toBeLessThan(6e-4);
    expect(Math.abs(s.median - 2.72)).toBeLessThan(6e-4);
  });

  it('half RGBA ZIP render (FADNet): 1024×1024, MANIFEST min 0.0039 / max 2.9121 over RGB, alpha ≈ 1', () => {
    const img = decodeExr(bytesOf(data('exr_format_samples/fadnet/girl_camera1_Lcamera1_L.0040.exr')));
    expect(img.header.compression).toBe('zip');
    expect(img.header.channels.map((c) => c.type)).toEqual(['half', 'half', 'half', 'half']);
    expect([img.width, img.height]).toEqual([1024, 1024]);
    let mn = Infinity;
    let mx = -Infinity;
    for (const k of ['R', 'G', 'B'])
      for (const v of img.channels[k]) {
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
    expect(mn).toBeCloseTo(0.0039, 4);
    expect(mx).toBeCloseTo(2.9121, 4);
    let amin = Infinity;
    for (const v of img.channels.A) amin = Math.min(amin, v);
    expect(amin).toBeGreaterThan(0.99);
  });
});

describe('OpenEXR: files written by libOpenEXR with every supported compression', () => {
  const none = decodeExr(fixture('synthetic-none.exr'));

  it('NONE matches the generating formulas (float, half, uint channels; odd 67×75 size)', () => {
    expect([none.width, none.height]).toEqual([67, 75]);
    for (let y = 0; y < 75; y++)
      for (let x = 0; x < 67; x++) {
        const i = y * 67 + x;
        expect(Math.abs(none.channels.Z[i] - Math.fround(depthAt(x, y)))).toBeLessThanOrEqual(Math.abs(depthAt(x, y)) * 1e-6);
        expect(none.channels.H[i]).toBe(halfAt(x, y));
        expect(none.channels.U[i]).toBe(uintAt(x, y));
      }
  });

  for (const c of ['rle', 'zips', 'zip', 'piz']) {
    it(`${c.toUpperCase()} decodes bit-identically to NONE`, () => {
      const bytes = fixture(`synthetic-${c}.exr`);
      expect(parseExrHeader(bytes).compression).toBe(c);
      for (const inflate of [undefined, nodeInflate]) {
        const img = decodeExr(bytes, { inflate });
        for (const k of ['Z', 'H', 'U']) expect(img.channels[k]).toEqual(none.channels[k]);
      }
    });
  }

  it('PIZ with > 2^14 distinct values in a block (16-bit modular wavelet) decodes bit-identically to NONE', () => {
    const a = decodeExr(fixture('synthetic-wide-none.exr'));
    const b = decodeExr(fixture('synthetic-wide-piz.exr'));
    expect(parseExrHeader(fixture('synthetic-wide-piz.exr')).compression).toBe('piz');
    expect(b.channels.Y).toEqual(a.channels.Y);
    // pixel (x, y) holds the half bit pattern y·520 + x: the first 32-line block has 16640 distinct values
    expect(new Set(a.channels.Y.subarray(0, 32 * 520)).size).toBe(32 * 520);
  });

  it('depth view: Z channel picked, 1e10 background invalid with invalidAbove', () => {
    const m = decodeExrDepth(fixture('synthetic-piz.exr'), { invalidAbove: 1e9 });
    const invalid = m.valid!.reduce((s, v) => s + (v ? 0 : 1), 0);
    expect(invalid).toBe((67 - 50) * (75 - 60));
  });
});

describe('OpenEXR: corrupt and truncated files fail with clear errors', () => {
  const zip = fixture('synthetic-zip.exr');
  const piz = fixture('synthetic-piz.exr');
  it('bad magic', () => {
    expect(() => decodeExr(new Uint8Array(64))).toThrow(/OpenEXR magic/);
  });
  it('truncated at several points', () => {
    for (const bytes of [zip, piz]) {
      for (const cut of [10, 200, 400, Math.floor(bytes.length / 2), bytes.length - 1]) {
        expect(() => decodeExr(bytes.subarray(0, cut))).toThrow(DecodeError);
      }
    }
  });
  it('corrupted PIZ payload bytes are caught (error, never a hang or a silent wrong size)', () => {
    const h = parseExrHeader(piz);
    let caught = 0;
    for (let k = 0; k < 20; k++) {
      const bad = piz.slice();
      const at = h.headerEnd + 40 + k * 997;
      bad[at] ^= 0x5a;
      try {
        const img = decodeExr(bad);
        expect(img.channels.Z.length).toBe(67 * 75); // a flip inside data may still decode: size must hold
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        caught++;
      }
    }
    expect(caught).toBeGreaterThan(0);
  });
  it('a data window claiming a giant image is rejected before allocating', () => {
    const bad = zip.slice();
    const text = new TextDecoder('latin1').decode(bad);
    const at = text.indexOf('dataWindow') + 'dataWindow'.length + 1 + 'box2i'.length + 1 + 4;
    new DataView(bad.buffer).setInt32(at + 8, 1 << 30, true);
    expect(() => decodeExr(bad)).toThrow(/exceeds the limit|invalid image size|offset table/);
  });
});
