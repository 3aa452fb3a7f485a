import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  crc32,
  decodeDepth,
  DecodeError,
  decodeJpeg,
  decodeNpy,
  decodeNpyDepth,
  decodeNpz,
  decodePfm,
  decodePgm,
  decodePng,
  decodePng16Depth,
  halfToFloat,
} from '../src/index.js';
import { nodeInflate, readImage } from '../src/node.js';
import { bytesOf, data, encodePng } from './helpers.js';

function npy(descr: string, shape: number[], body: Uint8Array, fortran = false, version = 1): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = version === 1 ? 10 : 12;
  while ((pre + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(pre + header.length + body.length);
  out.set([0x93, 78, 85, 77, 80, 89, version, 0]);
  if (version === 1) new DataView(out.buffer).setUint16(8, header.length, true);
  else new DataView(out.buffer).setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(body, pre + header.length);
  return out;
}

describe('PNG', () => {
  it('all five filter types, 8 and 16 bits, grey and RGB, round-trip exactly (native zlib and fflate)', () => {
    const w = 13;
    const h = 10;
    for (const [ch, bits] of [
      [1, 16],
      [3, 8],
      [1, 8],
      [3, 16],
    ] as const) {
      const vals = Array.from({ length: w * h * ch }, (_, i) => (i * 2654435761) % (bits === 16 ? 65536 : 256));
      const png = encodePng(w, h, ch, bits, vals, (y) => y % 5);
      for (const inflate of [undefined, nodeInflate]) {
        const img = decodePng(png, { inflate });
        expect([img.width, img.height, img.channels, img.bitDepth]).toEqual([w, h, ch, bits]);
        expect(Array.from(img.data)).toEqual(vals);
      }
    }
  });

  it('16-bit depth: value / scale, 0 invalid; SUN bit rotation', () => {
    const png = encodePng(3, 1, 1, 16, [0, 1000, 65535]);
    const m = decodePng16Depth(png, { scale: 1000 });
    expect(Array.from(m.data)).toEqual([0, 1, Math.fround(65.535)]);
    expect(Array.from(m.valid!)).toEqual([0, 1, 1]);
    const rot = decodeDepth(encodePng(1, 1, 1, 16, [(2500 << 3) & 0xffff]), { format: 'png16', scale: 1000, sunBitRotate: true });
    expect(rot.data[0]).toBeCloseTo(2.5, 6);
  });

  it('real 8-bit RGB PNG (TartanAir 640×480) and KITTI RGB', async () => {
    const t = await readImage(data('tartanair_sample/image_left/000000_left.png'));
    expect([t.width, t.height, t.bitDepth]).toEqual([640, 480, 8]);
    expect(t.channels === 3 || t.channels === 4).toBe(true);
    const k = await readImage(data('kitti_metric3d/rgb/0000000005.png'));
    expect([k.width, k.height, k.channels]).toEqual([1242, 375, 3]);
  });

  it('corrupt and hostile PNGs fail fast with clear errors', () => {
    const good = encodePng(64, 64, 1, 16, new Array(64 * 64).fill(7));
    expect(() => decodePng(new Uint8Array(10))).toThrow(/signature/);
    expect(() => decodePng(good.subarray(0, good.length - 30))).toThrow(DecodeError);
    expect(() => decodePng(good.subarray(0, 40))).toThrow(DecodeError);
    const giant = good.slice();
    new DataView(giant.buffer).setUint32(16, 1 << 20); // width 1M × 64 rows
    new DataView(giant.buffer).setUint32(20, 1 << 20);
    new DataView(giant.buffer).setUint32(29, crc32(giant.subarray(12, 29))); // a consistent IHDR: only the size is wrong
    expect(() => decodePng(giant)).toThrow(/exceeds the limit/);
    const corrupt = good.slice();
    for (let i = 45; i < 60; i++) corrupt[i] ^= 0xff;
    for (const inflate of [undefined, nodeInflate]) expect(() => decodePng(corrupt, { inflate })).toThrow(DecodeError);
    // A depth PNG that is 8-bit RGB is refused by the depth decoder.
    expect(() => decodePng16Depth(encodePng(2, 2, 3, 8, new Array(12).fill(1)))).toThrow(/16-bit single-channel/);
  });
});

describe('JPEG', () => {
  it('decodes the real NYU and Open3D RGB JPEGs to 8-bit RGB', async () => {
    const n = await readImage(data('nyu_metric3d/rgb/rgb_00050.jpg'));
    expect([n.width, n.height, n.channels, n.bitDepth]).toEqual([640, 480, 3, 8]);
    const s = await readImage(data('open3d_rgbd/other_formats/SUN_color.jpg'));
    expect([s.width, s.height]).toEqual([640, 480]);
    let mean = 0;
    for (const v of n.data) mean += v;
    mean /= n.data.length;
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(235);
    expect(() => decodeJpeg(bytesOf(data('nyu_metric3d/rgb/rgb_00050.jpg')).subarray(0, 2000))).toThrow(DecodeError);
  });
});

describe('npy / npz', () => {
  it('float32 LE C-order, float64 BE, Fortran order, float16, uint16, version 2 header', () => {
    const f32 = new Float32Array([1, 2, 3, 4, 5, 6]);
    const a = decodeNpyDepth(npy('<f4', [2, 3], new Uint8Array(f32.buffer)));
    expect([a.width, a.height, Array.from(a.data)]).toEqual([3, 2, [1, 2, 3, 4, 5, 6]]);
    const be = new Uint8Array(48);
    const dv = new DataView(be.buffer);
    [1, 2, 3, 4, 5, 6].forEach((v, i) => dv.setFloat64(i * 8, v, false));
    expect(Array.from(decodeNpyDepth(npy('>f8', [2, 3], be)).data)).toEqual([1, 2, 3, 4, 5, 6]);
    // Fortran: column-major storage of [[1,2,3],[4,5,6]] is 1,4,2,5,3,6
    const fo = new Float32Array([1, 4, 2, 5, 3, 6]);
    expect(Array.from(decodeNpyDepth(npy('<f4', [2, 3], new Uint8Array(fo.buffer), true)).data)).toEqual([1, 2, 3, 4, 5, 6]);
    const half = new Uint16Array([0x3c00, 0x4000, 0x7c00, 0x7e00]); // 1, 2, inf, nan
    const h = decodeNpy(npy('<f2', [2, 2], new Uint8Array(half.buffer)));
    expect(Array.from(h.data as Float32Array)).toEqual([1, 2, Infinity, NaN]);
    const u16 = new Uint16Array([5000, 10000]);
    expect(Array.from(decodeNpyDepth(npy('<u2', [1, 2], new Uint8Array(u16.buffer), false, 2), { scale: 5000 }).data)).toEqual([1, 2]);
    // DIODE shape (H, W, 1)
    expect(decodeNpyDepth(npy('<f4', [2, 3, 1], new Uint8Array(f32.buffer))).width).toBe(3);
  });
  it('npz (deflated and stored members), key selection, and errors', () => {
    const f32 = new Float32Array([1, 2, 3, 4]);
    const zip = zipSync({
      'depth.npy': npy('<f4', [2, 2], new Uint8Array(f32.buffer)),
      'mask.npy': [npy('|u1', [2, 2], new Uint8Array([1, 0, 1, 1])), { level: 0 }],
    });
    expect(Object.keys(decodeNpz(zip)).sort()).toEqual(['depth', 'mask']);
    expect(Array.from(decodeNpyDepth(zip, { key: 'mask' }).data)).toEqual([1, 0, 1, 1]);
    expect(() => decodeNpyDepth(zip, { key: 'nope' })).toThrow(/no array 'nope'/);
    expect(() => decodeNpy(npy('<f4', [100, 100], new Uint8Array(16)))).toThrow(/truncated data/);
    expect(() => decodeNpy(new Uint8Array([0x93, 78, 85, 77, 80, 89, 1, 0, 255, 255]))).toThrow(/truncated header/);
    expect(() => decodeNpy(npy('<c8', [1], new Uint8Array(8)))).toThrow(/unsupported dtype/);
    // Object's own property names are not dtypes (a plain-object lookup once let '<constructor' through).
    for (const descr of ['<constructor', '|toString', '<__proto__']) expect(() => decodeNpy(npy(descr, [1], new Uint8Array(8)))).toThrow(/unsupported dtype/);
  });
});

describe('PFM and PGM', () => {
  function pfm(magic: 'Pf' | 'PF', w: number, h: number, scale: number, rowsBottomUp: number[]): Uint8Array {
    const head = new TextEncoder().encode(`${magic}\n${w} ${h}\n${scale}\n`);
    const out = new Uint8Array(head.length + rowsBottomUp.length * 4);
    out.set(head);
    const dv = new DataView(out.buffer, head.length);
    rowsBottomUp.forEach((v, i) => dv.setFloat32(i * 4, v, scale < 0));
    return out;
  }
  it('Pf little-endian and big-endian, rows flipped bottom-up, inf invalid', () => {
    for (const scale of [-1, 1]) {
      const m = decodePfm(pfm('Pf', 2, 2, scale, [3, 4, 1, Infinity]));
      expect(Array.from(m.data)).toEqual([1, Infinity, 3, 4]);
      expect(Array.from(m.valid!)).toEqual([1, 0, 1, 1]);
    }
  });
  it('PF colour: channel 0 by default, channel 2 on request', () => {
    const m = decodePfm(pfm('PF', 1, 2, -1, [10, 11, 12, 20, 21, 22]));
    expect(Array.from(m.data)).toEqual([20, 10]);
    expect(Array.from(decodePfm(pfm('PF', 1, 2, -1, [10, 11, 12, 20, 21, 22]), { channel: 2 }).data)).toEqual([22, 12]);
    expect(() => decodePfm(pfm('Pf', 4, 4, -1, [1, 2]))).toThrow(/truncated/);
    expect(() => decodePfm(new TextEncoder().encode('P6\n1 1\n-1\n'))).toThrow(/bad magic/);
  });
  it('PGM: big-endian by spec, little-endian for NYU raw', () => {
    const body = new Uint8Array([0x01, 0x02]);
    const head = new TextEncoder().encode('P5\n# comment\n1 1\n65535\n');
    const f = new Uint8Array([...head, ...body]);
    expect(decodePgm(f).data[0]).toBe(0x0102);
    expect(decodePgm(f, { littleEndian: true }).data[0]).toBe(0x0201);
  });
  it('NYU raw Kinect PGM: 351.3 / (1092.5 − raw), 2047 invalid', () => {
    const head = new TextEncoder().encode('P5\n2 1\n2047\n');
    const f = new Uint8Array([...head, 0x00, 0x03, 0xff, 0x07]); // 768, 2047 little-endian
    const m = decodeDepth(f, { format: 'nyu-raw-pgm' });
    expect(m.data[0]).toBeCloseTo(351.3 / (1092.5 - 768), 5);
    expect(Array.from(m.valid!)).toEqual([1, 0]);
  });
});

describe('float16', () => {
  it('converts normals, subnormals, signed zero, inf and NaN', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });
});
