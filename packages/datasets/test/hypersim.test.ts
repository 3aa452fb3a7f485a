import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { camFromUvForFov, hypersimDistanceToPlanar, parseHypersimCameraCsv } from '../src/index.js';
import { readDepth } from '../src/node.js';
import { data } from './helpers.js';

const HDF5 = 'hypersim/ai_037_002/images/scene_cam_00_geometry_hdf5/frame.0000.depth_meters.hdf5';

describe('Hypersim distance-to-camera → planar depth', () => {
  it('standard 1024×768, 60° camera equals the focal-length formula f = 512 / tan(30°) ≈ 886.81 px', () => {
    const w = 1024;
    const h = 768;
    const dist = new Float32Array(w * h).fill(10);
    const z = hypersimDistanceToPlanar({ width: w, height: h, data: dist });
    const f = 512 / Math.tan(Math.PI / 6);
    expect(f).toBeCloseTo(886.81, 2);
    for (const [x, y] of [
      [0, 0],
      [1023, 767],
      [511, 383],
      [700, 100],
    ]) {
      const px = x + 0.5 - w / 2;
      const py = y + 0.5 - h / 2;
      const want = (10 * f) / Math.sqrt(px * px + py * py + f * f);
      expect(z.data[y * w + x]).toBeCloseTo(want, 4);
    }
  });

  it('reads the real HDF5 (float16) and converts with the scene matrix from metadata_camera_parameters.csv', async () => {
    const cams = parseHypersimCameraCsv(readFileSync(data('hypersim/metadata_camera_parameters.csv'), 'utf8'));
    const cam = cams.get('ai_037_002')!;
    expect([cam.width, cam.height]).toEqual([1024, 768]);
    expect(cam.camFromUv[0]).toBeCloseTo(0.579607251426182, 12);
    // a standard scene's matrix is the 60° pinhole matrix
    const stdM = camFromUvForFov(1024, 768, 1.0471975803375244);
    cams.get('ai_001_001')!.camFromUv.forEach((v, i) => expect(v).toBeCloseTo(stdM[i], 7));
    const dist = await readDepth(data(HDF5), { format: 'hdf5' });
    const planar = await readDepth(data(HDF5), { format: 'hdf5', hypersimPlanar: cam.camFromUv });
    const std = await readDepth(data(HDF5), { format: 'hdf5', hypersimPlanar: true });
    let maxRatio = 0;
    let minRatio = Infinity;
    for (let i = 0; i < dist.data.length; i++) {
      const r = planar.data[i] / dist.data[i];
      maxRatio = Math.max(maxRatio, r);
      minRatio = Math.min(minRatio, r);
    }
    expect(maxRatio).toBeLessThanOrEqual(1 + 1e-6); // planar depth never exceeds the distance
    expect(minRatio).toBeGreaterThan(0.75); // corner rays of a ~60° camera
    // the tilt-shifted scene camera differs from the standard one
    let diff = 0;
    for (let i = 0; i < dist.data.length; i++) diff = Math.max(diff, Math.abs(planar.data[i] - std.data[i]));
    expect(diff).toBeGreaterThan(1e-3);
  });
});

describe('HDF5 errors', () => {
  it('a non-HDF5 file, a missing file and a truncated HDF5 file fail with clear errors', async () => {
    const { mkdtempSync, writeFileSync, readFileSync: rf } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'h5-'));
    writeFileSync(join(dir, 'bad.hdf5'), 'not an hdf5 file'.repeat(100));
    await expect(readDepth(join(dir, 'bad.hdf5'), { format: 'hdf5' })).rejects.toThrow(/not an HDF5 file/);
    await expect(readDepth(join(dir, 'missing.hdf5'), { format: 'hdf5' })).rejects.toThrow(/cannot read .*ENOENT/);
    const full = rf(data(HDF5));
    writeFileSync(join(dir, 'cut.hdf5'), full.subarray(0, Math.floor(full.length / 2)));
    await expect(readDepth(join(dir, 'cut.hdf5'), { format: 'hdf5' })).rejects.toThrow(/hdf5/);
  });
});
