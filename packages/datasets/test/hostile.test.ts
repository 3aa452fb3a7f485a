import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  DecodeError,
  decodeDepth,
  decodeExr,
  decodeJpeg,
  jpegMemoryBudget,
  decodeNpyDepth,
  decodeNpz,
  decodePng,
  parseExrHeader,
} from '../src/index.js';
import { nodeInflate, walkFiles } from '../src/node.js';
import { encodePng } from './helpers.js';

// Issue 15's parser defects, each reproduced by a small hand-made file.

const tmp = mkdtempSync(join(tmpdir(), 'anydepth-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function npy(descr: string, shape: number[], body: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 78, 85, 77, 80, 89, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

const u32be = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o);

/** Offsets of every chunk of a PNG: [type, start of length field, body length]. */
function chunks(png: Uint8Array): Array<[string, number, number]> {
  const out: Array<[string, number, number]> = [];
  for (let p = 8; p + 8 <= png.length; ) {
    const len = u32be(png, p);
    out.push([String.fromCharCode(...png.subarray(p + 4, p + 8)), p, len]);
    p += 12 + len;
  }
  return out;
}

function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ -1) >>> 0;
}

/** Rewrites one chunk's CRC so that only the deeper check (zlib, sizes) can catch the damage. */
function fixCrc(png: Uint8Array, at: number): void {
  const len = u32be(png, at);
  new DataView(png.buffer, png.byteOffset).setUint32(at + 8 + len, crc32(png.subarray(at + 4, at + 8 + len)));
}

describe('the DepthMap validity contract holds for every decoder', () => {
  it('NPY: NaN and ±Inf pixels come back invalid (valid = 0), finite ones valid', () => {
    const f = new Float32Array([1.5, NaN, Infinity, -Infinity, 0, 2]);
    const bytes = npy('<f4', [2, 3], new Uint8Array(f.buffer));
    const direct = decodeNpyDepth(bytes);
    expect(Array.from(direct.valid!)).toEqual([1, 0, 0, 0, 1, 1]);
    const viaRule = decodeDepth(bytes, { format: 'npy' });
    expect(Array.from(viaRule.valid!)).toEqual([1, 0, 0, 0, 1, 1]);
    // float64 and float16 too
    const d = new Float64Array([NaN, 3]);
    expect(Array.from(decodeNpyDepth(npy('<f8', [1, 2], new Uint8Array(d.buffer))).valid!)).toEqual([0, 1]);
    const h = new Uint16Array([0x7e00, 0x3c00]); // NaN, 1
    expect(Array.from(decodeNpyDepth(npy('<f2', [1, 2], new Uint8Array(h.buffer))).valid!)).toEqual([0, 1]);
  });

  it('a disparity rule turns non-finite and non-positive disparities invalid, and a NaN scale cannot make pixels valid', () => {
    const f = new Float32Array([2, 0, NaN, 4]);
    const m = decodeDepth(npy('<f4', [1, 4], new Uint8Array(f.buffer)), { format: 'npy', disparityToDepth: 8 });
    expect(Array.from(m.valid!)).toEqual([1, 0, 0, 1]);
    expect([m.data[0], m.data[3]]).toEqual([4, 2]);
    const png = encodePng(2, 1, 1, 16, [100, 200]);
    const z = decodeDepth(png, { format: 'png16', scale: 0 }); // value / 0 = Inf
    expect(Array.from(z.valid!)).toEqual([0, 0]);
  });
});

describe('NPZ: members are inflated within a byte budget and checked against their CRC-32', () => {
  const zeros = new Uint8Array(4 << 20);
  const big = npy('<f4', [1024, 1024], zeros.subarray(0, 4 << 20));

  it('a member that inflates beyond maxBytes is refused before it is inflated', () => {
    const zip = zipSync({ 'depth.npy': big });
    expect(zip.length).toBeLessThan(10_000);
    expect(() => decodeNpz(zip, { maxBytes: 1 << 20 })).toThrow(
      `npz: member 'depth.npy' inflates to ${big.length} bytes, above the 1048576-byte budget (raise maxBytes)`,
    );
    // the default budget takes it, and a raised budget too
    expect(decodeNpz(zip).depth.shape).toEqual([1024, 1024]);
    expect(decodeNpz(zip, { maxBytes: 8 << 20 }).depth.shape).toEqual([1024, 1024]);
    expect(DEFAULT_MAX_BYTES).toBe(256 * 1024 * 1024);
  });

  it('the budget covers the sum of all members, not each one alone', () => {
    const zip = zipSync({ 'a.npy': big, 'b.npy': big });
    expect(() => decodeNpz(zip, { maxBytes: 6 << 20 })).toThrow(/npz: member 'b.npy' inflates to \d+ bytes, above the 6291456-byte budget/);
  });

  it('a member whose real size differs from the size its header declares is refused (a lie cannot grow the output)', () => {
    const zip = zipSync({ 'depth.npy': big });
    // central directory: uncompressed size at +24 of the entry; local header: +22
    const dv = new DataView(zip.buffer);
    const cd = dv.getUint32(zip.length - 22 + 16, true);
    dv.setUint32(cd + 24, 1000, true);
    dv.setUint32(22, 1000, true);
    expect(() => decodeNpz(zip)).toThrow("npz: member 'depth.npy' inflates beyond its declared 1000 bytes");
  });

  it('a flipped bit in a stored member is caught by the CRC-32', () => {
    const f = new Float32Array([1, 2, 3, 4]);
    const zip = zipSync({ 'depth.npy': [npy('<f4', [2, 2], new Uint8Array(f.buffer)), { level: 0 }] });
    const bad = zip.slice();
    bad[bad.indexOf(0x80, 30 + 'depth.npy'.length + 100)] ^= 0x01; // inside the float data (1.0 = 00 00 80 3f)
    expect(() => decodeNpz(bad)).toThrow("npz: member 'depth.npy' fails its CRC-32 check (corrupt archive)");
  });
});

describe('PNG, pure-JS (fflate) path: the same corruption checks as native zlib', () => {
  const vals = Array.from({ length: 32 * 16 }, (_, i) => (i * 2654435761) % 65536);
  const good = encodePng(32, 16, 1, 16, vals);

  it('a flipped bit in IDAT (chunk CRC fixed) fails the zlib Adler-32 check on both paths', () => {
    const idat = chunks(good).find((c) => c[0] === 'IDAT')!;
    let rejected = 0;
    for (let k = 0; k < 16; k++) {
      const bad = good.slice();
      bad[idat[1] + 8 + 2 + ((k * 37) % (idat[2] - 6))] ^= 1 << (k % 8);
      fixCrc(bad, idat[1]);
      for (const inflate of [undefined, nodeInflate]) {
        try {
          const img = decodePng(bad, { inflate });
          throw new Error(`accepted a corrupt IDAT (${img.width}x${img.height})`);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          rejected++;
        }
      }
    }
    expect(rejected).toBe(32);
  });

  it('an IHDR whose height disagrees with the data is refused on both paths', () => {
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(8 + 8 + 4, 8); // height 16 → 8
    fixCrc(bad, 8);
    expect(() => decodePng(bad)).toThrow('zlib: data inflates beyond the expected 520 bytes');
    expect(() => decodePng(bad, { inflate: nodeInflate })).toThrow('zlib: data inflates beyond the expected 520 bytes');
  });

  it('a PNG cut after its image data (no IEND) is rejected as truncated (fuzz reproducer)', () => {
    const iend = chunks(good).find((c) => c[0] === 'IEND')!;
    for (const cut of [iend[1], iend[1] + 3]) {
      for (const inflate of [undefined, nodeInflate]) {
        expect(() => decodePng(good.subarray(0, cut), { inflate })).toThrow('png: truncated file: no IEND chunk');
      }
    }
    const partial = good.subarray(0, good.length - 1);
    expect(() => decodePng(partial)).toThrow(`png: truncated file: chunk IEND needs 0 bytes at offset ${iend[1] + 8}, file has ${partial.length}`);
  });

  it('chunk CRCs are verified, for critical and ancillary chunks alike', () => {
    const bad = good.slice();
    bad[8 + 8 + 10] ^= 0x01; // IHDR compression method byte, CRC left as it was
    for (const inflate of [undefined, nodeInflate]) expect(() => decodePng(bad, { inflate })).toThrow('png: chunk IHDR at offset 8 fails its CRC check');
    // an ancillary tEXt chunk after IHDR (8 + 25 = 33) whose text was altered after its CRC was written
    const text = new TextEncoder().encode('tEXtComment\0hello');
    const chunk = new Uint8Array(12 + text.length - 4);
    new DataView(chunk.buffer).setUint32(0, text.length - 4);
    chunk.set(text, 4);
    new DataView(chunk.buffer).setUint32(4 + text.length, crc32(text));
    const withText = new Uint8Array(good.length + chunk.length);
    withText.set(good.subarray(0, 33));
    withText.set(chunk, 33);
    withText.set(good.subarray(33), 33 + chunk.length);
    expect(decodePng(withText).data).toEqual(decodePng(good).data);
    withText[33 + 8 + 9] ^= 0x20; // 'h' → 'H'
    for (const inflate of [undefined, nodeInflate]) expect(() => decodePng(withText, { inflate })).toThrow('png: chunk tEXt at offset 33 fails its CRC check');
  });
});

describe('OpenEXR: every line block exactly once, and a pixel/byte budget', () => {
  const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
  const zip = fixture('synthetic-zip.exr'); // 67×75, 16 lines per block → 5 blocks

  it('a duplicated line block (offset table pointing twice at block 0) is rejected, not left at 0 and marked valid', () => {
    const h = parseExrHeader(zip);
    const bad = zip.slice();
    const dv = new DataView(bad.buffer);
    dv.setBigUint64(h.headerEnd + 8, dv.getBigUint64(h.headerEnd, true), true);
    expect(() => decodeExr(bad)).toThrow('exr: line block 1 repeats the lines from y=0 of block 0 (lines from y=16 are missing)');
  });

  it('blocks in any order are fine as long as each appears once', () => {
    const h = parseExrHeader(zip);
    const swapped = zip.slice();
    const dv = new DataView(swapped.buffer);
    const a = dv.getBigUint64(h.headerEnd, true);
    dv.setBigUint64(h.headerEnd, dv.getBigUint64(h.headerEnd + 8, true), true);
    dv.setBigUint64(h.headerEnd + 8, a, true);
    expect(decodeExr(swapped).channels.Z).toEqual(decodeExr(zip).channels.Z);
  });

  it('a data window of 11585×11585 is refused by the default pixel budget; the caller can raise it', () => {
    const bad = zip.slice();
    const text = new TextDecoder('latin1').decode(bad);
    const at = text.indexOf('dataWindow') + 'dataWindow'.length + 1 + 'box2i'.length + 1 + 4;
    const dv = new DataView(bad.buffer);
    dv.setInt32(at, 0, true);
    dv.setInt32(at + 4, 0, true);
    dv.setInt32(at + 8, 11584, true);
    dv.setInt32(at + 12, 11584, true);
    expect(DEFAULT_MAX_PIXELS).toBe(1 << 25);
    expect(() => decodeExr(bad)).toThrow(`exr: image size 11585x11585 exceeds the limit of ${1 << 25} pixels`);
    // raised: it gets past the budget and fails on the real inconsistency (the blocks are not there)
    expect(() => decodeExr(bad, { maxPixels: 1 << 28, maxBytes: 1 << 31 })).toThrow(/exr: /);
  });

  it('all channels together must fit the byte budget before any plane is allocated', () => {
    expect(() => decodeExr(zip, { maxBytes: 30_000 })).toThrow('exr: 3 channels of 67x75 need 60300 bytes, above the 30000-byte budget (raise maxBytes)');
  });
});

/** A JPEG header (SOI, DQT, SOF0 w×h with 3 components, DHT, SOS) followed by a few bytes of scan data. */
function jpegHeader(width: number, height: number, scanBytes = 64): Uint8Array {
  const b: number[] = [0xff, 0xd8];
  b.push(0xff, 0xdb, 0, 67, 0, ...new Array(64).fill(1));
  b.push(0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0);
  // one DC and one AC table, each a single 1-bit code for symbol 0
  b.push(0xff, 0xc4, 0, 20, 0x00, 1, ...new Array(15).fill(0), 0);
  b.push(0xff, 0xc4, 0, 20, 0x10, 1, ...new Array(15).fill(0), 0);
  b.push(0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0);
  const out = new Uint8Array(b.length + scanBytes + 2);
  out.set(b);
  out.set([0xff, 0xd9], b.length + scanBytes);
  return out;
}

describe('JPEG: memory and resolution come from the same budget', () => {
  it('a 4096×4096 header under a 16 MiB byte budget is refused before jpeg-js allocates its planes', () => {
    const bytes = jpegHeader(4096, 4096, 40_000); // enough scan bytes for 262 144 blocks: gets past the truncation check
    expect(bytes.length).toBeLessThan(41_000);
    expect(() => decodeJpeg(bytes, { maxBytes: 16 << 20 })).toThrow(/^jpeg: decoding needs more than the 16777216-byte budget \(raise maxBytes\)/);
  });
  it('a header beyond the pixel budget is refused', () => {
    expect(() => decodeJpeg(jpegHeader(8192, 8192))).toThrow(/^jpeg: image size 8192x8192 exceeds the limit of 33554432 pixels/);
  });
  it('a frame far larger than the file could code is refused before decoding (fuzz reproducer: 8192×4096 from 300 bytes took seconds)', () => {
    const bytes = jpegHeader(8192, 4096);
    const t0 = performance.now();
    expect(() => decodeJpeg(bytes)).toThrow(
      `jpeg: truncated file: a 8192x4096 frame has 524288 blocks in one component, which need at least 65536 bytes of scan data; the file has ${bytes.length}`,
    );
    expect(performance.now() - t0).toBeLessThan(200);
  });
  it("jpeg-js' memory cap admits an ETH3D-size (6048×4032, 4:4:4) photo by default and follows an explicit maxBytes", () => {
    // jpeg-js counts 4-byte coefficients per pixel and component, a line buffer per component and the RGB output:
    // about 18 bytes per pixel for a 4:4:4 file
    expect(jpegMemoryBudget({})).toBeGreaterThanOrEqual(18 * 6048 * 4032);
    expect(jpegMemoryBudget({})).toBe(24 * DEFAULT_MAX_PIXELS);
    expect(jpegMemoryBudget({ maxPixels: 1 << 20 })).toBe(DEFAULT_MAX_BYTES);
    expect(jpegMemoryBudget({ maxBytes: 16 << 20 })).toBe(16 << 20);
  });
  it('a small image decodes within the default budget', () => {
    const img = decodeJpeg(jpegHeader(16, 8));
    expect([img.width, img.height, img.channels]).toEqual([16, 8, 3]);
  });
});

describe('directory walk: symlinked folders are followed once', () => {
  it('a self-link is not followed again (no a/a/a/… duplicates), and two self-links terminate', () => {
    const root = join(tmp, 'loop');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'sub', 'x.png'), '');
    symlinkSync('.', join(root, 'sub', 'self'));
    expect(walkFiles(root, () => true).map((p) => p.slice(root.length + 1))).toEqual(['sub/x.png']);
    symlinkSync('..', join(root, 'sub', 'up'));
    symlinkSync('.', join(root, 'me'));
    const t0 = performance.now();
    expect(walkFiles(root, () => true).map((p) => p.slice(root.length + 1))).toEqual(['sub/x.png']);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
  it('a symlink to a folder outside the root is walked once, under the link name', () => {
    const outside = join(tmp, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'y.png'), '');
    const root = join(tmp, 'linked');
    mkdirSync(root, { recursive: true });
    symlinkSync(outside, join(root, 'l1'));
    symlinkSync(outside, join(root, 'l2'));
    expect(walkFiles(root, () => true).map((p) => p.slice(root.length + 1))).toEqual(['l1/y.png']);
  });
});
