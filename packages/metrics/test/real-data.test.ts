import { readFileSync } from 'node:fs';
import { sharedPath } from '@anydepth/test-utils';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { DepthMetricAccumulator, evaluateDepth } from '../src/index.js';

/** 16-bit depth PNG → metres (KITTI ÷256, NYU ÷1000; 0 = missing), per the data MANIFEST. */
function loadDepth(path: string, divisor: number): { depth: Float64Array; width: number; height: number } {
  const img = decode(readFileSync(sharedPath(path)));
  if (img.depth !== 16 || img.channels !== 1) throw new Error(`${path}: expected a 16-bit single-channel PNG, got depth ${img.depth} channels ${img.channels}`);
  const depth = Float64Array.from(img.data as Uint16Array, (v) => v / divisor);
  return { depth, width: img.width, height: img.height };
}

const NYU = ['00000', '00050', '00100'].map((id) => ({ id, ...loadDepth(`data/nyu_metric3d/depth/sync_depth_${id}.png`, 1000) }));
const KITTI = ['0000000005', '0000000050', '0000000100'].map((id) => ({ id, ...loadDepth(`data/kitti_metric3d/depth/${id}.png`, 256) }));

/** A disparity-like prediction a/gt + b (a > 0); pixels without GT get an arbitrary positive value. */
function affineDisparity(gt: Float64Array, a: number, b: number): Float64Array {
  return gt.map((g) => (g > 0 ? a / g + b : 0.123));
}

/**
 * Independent reference for 'none' alignment: the valid set written out from evaluation.md (strict
 * range, crop), the prediction clipped to [min, max], and the metrics straight from their definitions.
 */
function reference(pred: Float64Array, gt: Float64Array, width: number, rows: [number, number], cols: [number, number], min: number, max: number) {
  let n = 0;
  let absRel = 0;
  let sqRel = 0;
  let se = 0;
  let d1 = 0;
  let d2 = 0;
  for (let y = rows[0]; y < rows[1]; y++) {
    for (let x = cols[0]; x < cols[1]; x++) {
      const g = gt[y * width + x];
      if (!(g > min && g < max)) continue;
      const p = Math.min(Math.max(pred[y * width + x], min), max);
      n++;
      absRel += Math.abs(p - g) / g;
      sqRel += ((p - g) * (p - g)) / g;
      se += (p - g) * (p - g);
      const r = Math.max(p / g, g / p);
      if (r < 1.25) d1++;
      if (r < 1.5625) d2++;
    }
  }
  return { n, absRel: absRel / n, sqRel: sqRel / n, rmse: Math.sqrt(se / n), delta1: d1 / n, delta2: d2 / n };
}

describe('NYUv2 samples (480×640, ÷1000, Eigen crop rows 45..470, cols 41..600)', () => {
  it('decode as the MANIFEST says (valid fraction, max depth)', () => {
    const valid = NYU.map((s) => s.depth.filter((v) => v > 0).length / s.depth.length);
    expect(valid.map((v) => v.toFixed(3))).toEqual(['0.733', '0.751', '0.670']);
    expect(NYU[1].depth.reduce((m, v) => Math.max(m, v), 0)).toBeCloseTo(8.266, 3);
  });

  for (const [a, b] of [
    [1, 0],
    [0.37, 0.05],
    [250, 3],
  ]) {
    it(`GT disparity under the positive affine map ${a}·x + ${b} scores absRel 0 and δ1 1 (disparity alignment)`, () => {
      for (const s of NYU) {
        const r = evaluateDepth(affineDisparity(s.depth, a, b), s.depth, { width: s.width, height: s.height, dataset: 'nyuv2' });
        expect(r.skipped).toBe(false);
        expect(r.absRel).toBeLessThanOrEqual(1e-6);
        expect(r.delta1).toBe(1);
        expect(r.rmse).toBeLessThan(1e-5);
        expect(r.scale).toBeCloseTo(1 / a, 6);
        expect(r.shift).toBeCloseTo(-b / a, 6);
      }
    });
  }

  it('validPixels = GT in (1e-3, 10) inside the Eigen crop (counted independently)', () => {
    for (const s of NYU) {
      const ref = reference(s.depth, s.depth, s.width, [45, 471], [41, 601], 1e-3, 10);
      const r = evaluateDepth(s.depth, s.depth, { width: s.width, height: s.height, dataset: 'nyuv2', alignment: 'none' });
      expect(r.validPixels).toBe(ref.n);
      const all = evaluateDepth(s.depth, s.depth, { width: s.width, height: s.height, dataset: 'nyuv2', alignment: 'none', crop: false });
      expect(all.validPixels).toBe(s.depth.filter((v) => v > 1e-3 && v < 10).length);
    }
  });

  it("a constant multiplicative depth error of 1.1 after 'none' alignment: absRel 0.1, δ1 1, rmseLog ln 1.1, silog 0", () => {
    for (const s of NYU) {
      const r = evaluateDepth(
        s.depth.map((g) => 1.1 * g),
        s.depth,
        { width: s.width, height: s.height, dataset: 'nyuv2', alignment: 'none' },
      );
      // NYU GT stays below 10/1.1 on these frames, so nothing is clipped and the closed forms hold.
      expect(Math.abs(r.absRel - 0.1)).toBeLessThan(1e-12);
      expect(r.delta1).toBe(1);
      expect(Math.abs(r.rmseLog - Math.log(1.1))).toBeLessThan(1e-12);
      expect(Math.abs(r.log10 - Math.log10(1.1))).toBeLessThan(1e-12);
      expect(r.silog).toBeLessThan(1e-6);
      const ref = reference(
        s.depth.map((g) => 1.1 * g),
        s.depth,
        s.width,
        [45, 471],
        [41, 601],
        1e-3,
        10,
      );
      expect(r.sqRel).toBeCloseTo(ref.sqRel, 12);
      expect(r.rmse).toBeCloseTo(ref.rmse, 12);
    }
  });

  it('an error of 1.3 puts every pixel outside δ1 but inside δ2; a depth-space fit undoes an affine depth map', () => {
    const s = NYU[0];
    const r = evaluateDepth(
      s.depth.map((g) => g / 1.3),
      s.depth,
      { width: s.width, height: s.height, dataset: 'nyuv2', alignment: 'none' },
    );
    expect(r.delta1).toBe(0);
    expect(r.delta2).toBe(1);
    expect(Math.abs(r.absRel - (1 - 1 / 1.3))).toBeLessThan(1e-11);
    const fitted = evaluateDepth(
      s.depth.map((g) => 2 * g + 0.5),
      s.depth,
      { width: s.width, height: s.height, dataset: 'nyuv2', alignment: 'depth' },
    );
    expect(fitted.absRel).toBeLessThan(1e-9);
    expect(fitted.scale).toBeCloseTo(0.5, 9);
    expect(fitted.shift).toBeCloseTo(-0.25, 9);
  });

  it('a mixed perturbation (left half ×1.1, right half ÷1.3) matches the independent reference', () => {
    const s = NYU[2];
    const pred = s.depth.map((g, i) => (i % s.width < 320 ? 1.1 * g : g / 1.3));
    const r = evaluateDepth(pred, s.depth, { width: s.width, height: s.height, dataset: 'nyuv2', alignment: 'none' });
    const ref = reference(pred, s.depth, s.width, [45, 471], [41, 601], 1e-3, 10);
    expect(r.validPixels).toBe(ref.n);
    for (const k of ['absRel', 'sqRel', 'rmse', 'delta1', 'delta2'] as const) expect(Math.abs(r[k] - ref[k])).toBeLessThan(1e-12 * Math.max(1, ref[k]));
    expect(r.delta1).toBeGreaterThan(0.3);
    expect(r.delta1).toBeLessThan(0.7);
  });

  it('the accumulator averages per image, not per pixel, and reports a skipped image', () => {
    const acc = new DepthMetricAccumulator();
    const factors = [1.1, 1.2, 1.05];
    NYU.forEach((s, k) =>
      acc.evaluate(
        s.depth.map((g) => factors[k] * g),
        s.depth,
        { width: s.width, height: s.height, dataset: 'nyuv2', alignment: 'none' },
        s.id,
      ),
    );
    const empty = new Float64Array(480 * 640);
    const skipped = acc.evaluate(
      empty.map(() => 1),
      empty,
      { width: 640, height: 480, dataset: 'nyuv2' },
      'no-gt',
    );
    expect(skipped.skipped).toBe(true);
    expect(skipped.reason).toMatch(/no valid pixel/);
    const sum = acc.summary();
    expect(sum.count).toBe(3);
    expect(sum.skipped).toBe(1);
    expect(sum.skippedIds).toEqual(['no-gt']);
    expect(Math.abs(sum.metrics.absRel - (0.1 + 0.2 + 0.05) / 3)).toBeLessThan(1e-12);
    expect(Object.values(sum.metrics).every(Number.isFinite)).toBe(true);
  });
});

describe('KITTI samples (raw 375×1242 frames, ÷256, KB crop 352×1216 then Eigen crop)', () => {
  it('decode as the MANIFEST says', () => {
    expect(KITTI.map((s) => [s.height, s.width])).toEqual([
      [375, 1242],
      [375, 1242],
      [375, 1242],
    ]);
    expect((KITTI[0].depth.filter((v) => v > 0).length / KITTI[0].depth.length).toFixed(3)).toBe('0.195');
  });

  it('GT disparity under a positive affine map scores absRel 0 and δ1 1 (KB crop applied to GT and prediction)', () => {
    for (const s of KITTI) {
      const r = evaluateDepth(affineDisparity(s.depth, 3.5, 0.01), s.depth, { width: s.width, height: s.height, dataset: 'kitti' });
      expect([r.height, r.width]).toEqual([352, 1216]);
      expect(r.absRel).toBeLessThanOrEqual(1e-6);
      expect(r.delta1).toBe(1);
    }
  });

  it('validPixels = GT in (1e-5, 80) inside KB crop + Eigen crop (counted independently on the raw frame)', () => {
    for (const s of KITTI) {
      // KB crop: top = 375 − 352 = 23, left = (1242 − 1216)/2 = 13; Eigen crop on 352×1216:
      // rows [⌊0.3324324·352⌋, ⌊0.91351351·352⌋) = [117, 321), cols [⌊0.0359477·1216⌋, ⌊0.96405229·1216⌋) = [43, 1172).
      const ref = reference(s.depth, s.depth, s.width, [23 + 117, 23 + 321], [13 + 43, 13 + 1172], 1e-5, 80);
      const r = evaluateDepth(s.depth, s.depth, { width: s.width, height: s.height, dataset: 'kitti', alignment: 'none' });
      expect(r.validPixels).toBe(ref.n);
      expect(r.validPixels).toBeGreaterThan(10000);
    }
  });

  it("a constant 1.1 depth error after 'none' alignment, with the 80 m clip, matches the independent reference", () => {
    for (const s of KITTI) {
      const pred = s.depth.map((g) => 1.1 * g);
      const r = evaluateDepth(pred, s.depth, { width: s.width, height: s.height, dataset: 'kitti', alignment: 'none' });
      const ref = reference(pred, s.depth, s.width, [140, 344], [56, 1185], 1e-5, 80);
      for (const k of ['absRel', 'sqRel', 'rmse', 'delta1', 'delta2'] as const) expect(Math.abs(r[k] - ref[k])).toBeLessThan(1e-12 * Math.max(1, ref[k]));
      expect(r.delta1).toBe(1);
      // Pixels with GT above 80/1.1 m are clipped to 80, so absRel is at most 0.1.
      expect(r.absRel).toBeLessThanOrEqual(0.1 + 1e-12);
      expect(r.absRel).toBeGreaterThan(0.09);
    }
  });

  it('a prediction made on the KB-cropped image (352×1216) gives the same result as the raw-size one', () => {
    const s = KITTI[1];
    const pred = affineDisparity(s.depth, 2, 0.3).map((v, i) => v * (1 + 0.05 * Math.sin(i)));
    const raw = evaluateDepth(pred, s.depth, { width: s.width, height: s.height, dataset: 'kitti' });
    const cropped = new Float64Array(352 * 1216);
    for (let y = 0; y < 352; y++) for (let x = 0; x < 1216; x++) cropped[y * 1216 + x] = pred[(y + 23) * 1242 + x + 13];
    const fromCrop = evaluateDepth(cropped, s.depth, { width: s.width, height: s.height, predWidth: 1216, predHeight: 352, dataset: 'kitti' });
    expect(fromCrop.absRel).toBe(raw.absRel);
    expect(fromCrop.delta1).toBe(raw.delta1);
    expect(raw.absRel).toBeGreaterThan(0.01);
  });
});

describe('NYUv2 prediction at half resolution', () => {
  it('a 240×320 prediction is resized bilinearly to the 480×640 GT and still scores well', () => {
    const s = NYU[0];
    const disp = affineDisparity(s.depth, 1, 0);
    // 2×2 box average to 240×320 (holes filled with the frame mean so they do not pull the average).
    let sum = 0;
    let n = 0;
    for (const g of s.depth) if (g > 0) (sum += 1 / g), n++;
    const small = new Float64Array(240 * 320);
    for (let y = 0; y < 240; y++) {
      for (let x = 0; x < 320; x++) {
        let acc = 0;
        for (const [dy, dx] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ]) {
          const g = s.depth[(2 * y + dy) * 640 + 2 * x + dx];
          acc += g > 0 ? disp[(2 * y + dy) * 640 + 2 * x + dx] : sum / n;
        }
        small[y * 320 + x] = acc / 4;
      }
    }
    const r = evaluateDepth(small, s.depth, { width: 640, height: 480, predWidth: 320, predHeight: 240, dataset: 'nyuv2' });
    expect(r.validPixels).toBeGreaterThan(100000);
    expect(r.absRel).toBeLessThan(0.05);
    expect(r.delta1).toBeGreaterThan(0.95);
  });
});
