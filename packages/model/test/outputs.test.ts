import { decode as decodePng } from 'fast-png';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  alignToReferencePoints,
  colorize,
  depthFromDisparity,
  encodeNpyFloat32,
  encodePly,
  encodePng,
  encodePng16,
  intrinsicsFromFov,
  networkInputSize,
} from '../src/index.js';
import { colormapLut } from '../src/internal.js';

describe('output encoders', () => {
  it('writes 16-bit PNGs that a PNG decoder reads back exactly', async () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => i * 0.5);
    const png = encodePng16(values, 4, 3);
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height, decoded.channels, decoded.depth]).toEqual([4, 3, 1, 16]);
    expect(Array.from(decoded.data)).toEqual(Array.from(values, (v) => Math.round((v / 5.5) * 65535)));
    const mm = encodePng16(Float32Array.of(1.234, 0.5, 0, 65.535), 2, 2, { scale: 1000 });
    expect(Array.from(decodePng(mm).data)).toEqual([1234, 500, 0, 65535]);
  });

  it('writes 8-bit RGB PNGs', async () => {
    const rgb = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 20);
    const { data } = await sharp(encodePng(rgb, 2, 2, { colorType: 2, bitDepth: 8 }))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(Array.from(data)).toEqual(Array.from(rgb));
  });

  it('colormaps run from the first to the last stop and mark non-finite values black', () => {
    expect(Array.from(colormapLut('grey').slice(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(colormapLut('grey').slice(765))).toEqual([255, 255, 255]);
    expect(Array.from(colormapLut('inferno').slice(0, 3))).toEqual([0, 0, 4]);
    expect(Array.from(colormapLut('inferno').slice(765))).toEqual([252, 255, 164]);
    const turbo = colormapLut('turbo');
    expect(turbo[0]).toBeLessThan(60); // dark blue-violet at 0
    expect(turbo[765]).toBeGreaterThan(100); // dark red at 1
    expect(turbo[767]).toBeLessThan(20);
    const out = colorize(Float32Array.of(0, 1, NaN), { colormap: 'grey', min: 0, max: 1, rgba: true });
    expect(Array.from(out)).toEqual([0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
    expect(() => colormapLut('jet' as never)).toThrow(/unknown colormap 'jet'/);
  });

  it('writes .npy files with a numpy header', () => {
    const npy = encodeNpyFloat32(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    const headerLen = new DataView(npy.buffer).getUint16(8, true);
    const header = new TextDecoder().decode(npy.subarray(10, 10 + headerLen));
    expect((10 + headerLen) % 64).toBe(0);
    expect(header).toMatch(/'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\)/);
    expect(Array.from(new Float32Array(npy.slice(10 + headerLen).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('back-projects depth to a PLY point cloud with the pinhole model', () => {
    const depth = Float32Array.of(2, 2, Infinity, 4);
    const K = { fx: 2, fy: 2, cx: 0.5, cy: 0.5 };
    const ply = encodePly(depth, 2, 2, { intrinsics: K, colors: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) });
    const text = new TextDecoder().decode(ply.subarray(0, 300));
    const headerEnd = text.indexOf('end_header\n') + 'end_header\n'.length;
    expect(text).toMatch(/element vertex 3\n/);
    const view = new DataView(ply.buffer, ply.byteOffset + headerEnd);
    // vertex 0: pixel (0,0), z=2 → x = (0-0.5)*2/2 = -0.5
    expect([view.getFloat32(0, true), view.getFloat32(4, true), view.getFloat32(8, true)]).toEqual([-0.5, -0.5, 2]);
    expect([view.getUint8(12), view.getUint8(13), view.getUint8(14)]).toEqual([1, 2, 3]);
    // vertex 2: pixel (1,1), z=4 → x = 0.5*4/2 = 1
    expect([view.getFloat32(30, true), view.getFloat32(34, true), view.getFloat32(38, true)]).toEqual([1, 1, 4]);
    const f = intrinsicsFromFov(640, 480, 90);
    expect(f.fx).toBeCloseTo(320, 6);
  });
});

describe('depth from disparity', () => {
  it('recovers metric depth from reference points by least squares in disparity space', () => {
    const width = 3;
    const trueDepth = Float32Array.of(1, 2, 4, 5, 8, 10);
    // prediction = affine map of the true disparity: pred = (1/d − 0.05) / 0.5
    const disparity = trueDepth.map((d) => (1 / d - 0.05) / 0.5);
    const align = alignToReferencePoints(disparity, width, [
      { x: 0, y: 0, depth: 1 },
      { x: 2, y: 1, depth: 10 },
    ]);
    expect(align.scale).toBeCloseTo(0.5, 6);
    expect(align.shift).toBeCloseTo(0.05, 6);
    const depth = depthFromDisparity(disparity, align);
    depth.forEach((d, i) => expect(d).toBeCloseTo(trueDepth[i], 4));
    expect(() => alignToReferencePoints(disparity, width, [{ x: 0, y: 0, depth: 1 }])).toThrow(/at least two/);
    expect(depthFromDisparity(Float32Array.of(-1), { scale: 1, shift: 0 })[0]).toBe(Infinity);
  });

  it('chooses network sizes: longer side to 768, multiples of 16, aspect kept', () => {
    expect(networkInputSize(640, 480)).toEqual({ width: 768, height: 576 });
    expect(networkInputSize(1242, 375)).toEqual({ width: 768, height: 224 });
    expect(networkInputSize(100, 37, { size: 64 })).toEqual({ width: 64, height: 16 });
    expect(networkInputSize(90, 60, { size: null })).toEqual({ width: 96, height: 64 });
  });
});
