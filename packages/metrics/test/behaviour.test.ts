import { describe, expect, it } from 'vitest';
import {
  DATASETS,
  canonicalDatasetName,
  DepthMetricAccumulator,
  type DepthMetrics,
  METRIC_KEYS,
  computeDepthMetrics,
  evaluateDepth,
  fitScaleShift,
  formatSummary,
  formatTable2,
  kbCropRect,
  kittiEigenCrop,
  nearestIndices,
  nyuEigenCrop,
  resizeBilinear,
} from '../src/index.js';

/** A smooth synthetic depth map in metres. */
function scene(h: number, w: number): Float64Array {
  return Float64Array.from({ length: h * w }, (_, i) => 1 + 3 * ((i % w) / w) + 2 * (Math.floor(i / w) / h));
}

describe('resizeBilinear', () => {
  it('2×2 → 4×4 matches the half-pixel (align_corners=False) values worked by hand', () => {
    // Source coordinates for output 0..3: max(0, (i + 0.5)/2 − 0.5) = 0, 0.25, 0.75, 1.25 → clamped neighbour.
    const out = resizeBilinear([0, 1, 2, 3], 2, 2, 4, 4);
    expect(Array.from(out)).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });

  it('4 → 2 (downsampling) averages neighbour pairs; identity size copies', () => {
    // (i + 0.5)·2 − 0.5 = 0.5, 2.5 → mean of (0,1) and (2,3)
    expect(Array.from(resizeBilinear([0, 10, 20, 30], 1, 4, 1, 2))).toEqual([5, 25]);
    expect(Array.from(resizeBilinear([1, 2, 3], 1, 3, 1, 3))).toEqual([1, 2, 3]);
  });

  it('rejects a source of the wrong length', () => {
    expect(() => resizeBilinear([1, 2, 3], 2, 2, 4, 4)).toThrow(/source has 3 values, expected 2×2/);
  });
});

describe('fitScaleShift', () => {
  it('recovers an exact affine map and follows lstsq in singular cases', () => {
    const x = [1, 2, 3, 4, 5];
    const fit = fitScaleShift(
      x,
      x.map((v) => 2.5 * v - 1),
      [1, 1, 1, 1, 1],
    );
    expect(fit.scale).toBeCloseTo(2.5, 12);
    expect(fit.shift).toBeCloseTo(-1, 12);
    expect(fit.degenerate).toBe(false);
    // constant x = 2, mean y = 3: min-norm solution (2, 1)·3/5
    const flat = fitScaleShift([2, 2, 2], [1, 3, 5], [1, 1, 1]);
    expect([flat.scale, flat.shift, flat.degenerate]).toEqual([1.2, 0.6, true]);
    expect(fitScaleShift([1, 2], [3, 4], [0, 0])).toEqual({ scale: 0, shift: 0, count: 0, degenerate: true });
  });

  it('nearestIndices is PyTorch nearest with a scale factor', () => {
    expect(Array.from(nearestIndices(10, 0.5))).toEqual([0, 2, 4, 6, 8]);
    expect(nearestIndices(4032, 1024 / 4032).length).toBe(1024);
  });
});

describe('crops and presets', () => {
  it('NYU Eigen crop on 480×640 is rows 45..470, cols 41..600', () => {
    expect(nyuEigenCrop(480, 640)).toEqual({ top: 45, bottom: 471, left: 41, right: 601 });
  });
  it('KB crop of a 375×1242 frame and the KITTI Eigen crop on 352×1216', () => {
    expect(kbCropRect(375, 1242)).toEqual({ top: 23, bottom: 375, left: 13, right: 1229 });
    expect(kittiEigenCrop(352, 1216)).toEqual({ top: 117, bottom: 321, left: 43, right: 1172 });
    expect(() => kbCropRect(300, 1242)).toThrow(/at least 352×1216/);
  });
  it('presets carry the evaluation.md ranges', () => {
    expect([DATASETS.nyuv2.minDepth, DATASETS.nyuv2.maxDepth]).toEqual([1e-3, 10]);
    expect([DATASETS.kitti.minDepth, DATASETS.kitti.maxDepth]).toEqual([1e-5, 80]);
    expect([DATASETS.eth3d.minDepth, DATASETS.eth3d.maxDepth]).toEqual([1e-5, Infinity]);
    expect([DATASETS.scannet.minDepth, DATASETS.scannet.maxDepth]).toEqual([1e-3, 10]);
    expect([DATASETS.diode.minDepth, DATASETS.diode.maxDepth]).toEqual([0.6, 350]);
    expect(DATASETS.eth3d.alignmentMaxResolution).toBe(1024);
  });
});

describe('NaN / Inf handling', () => {
  const h = 20;
  const w = 30;
  const gt = scene(h, w);
  const disp = gt.map((g) => 2 / g + 0.1);

  it('non-finite predictions are excluded from both masks and counted; metrics stay finite', () => {
    const pred = disp.slice();
    pred[5] = Number.NaN;
    pred[17] = Infinity;
    pred[100] = -Infinity;
    for (const alignment of ['disparity', 'depth', 'none'] as const) {
      const r = evaluateDepth(pred, gt, { width: w, height: h, alignment, dataset: 'scannet' });
      expect(r.nonFinitePred).toBe(3);
      expect(r.validPixels).toBe(h * w - 3);
      for (const k of METRIC_KEYS) expect(Number.isFinite(r[k]), `${alignment} ${k}`).toBe(true);
    }
    const r = evaluateDepth(pred, gt, { width: w, height: h, dataset: 'scannet' });
    expect(r.absRel).toBeLessThan(1e-12);
    expect(r.fitPixels).toBe(h * w - 3);
  });

  it('non-finite GT (NaN, +Inf as in ETH3D) is excluded and counted', () => {
    const g = gt.slice();
    g[0] = Number.NaN;
    g[1] = Infinity;
    g[2] = -Infinity;
    const r = evaluateDepth(disp, g, { width: w, height: h, dataset: 'eth3d' });
    expect(r.nonFiniteGt).toBe(3);
    expect(r.validPixels).toBe(h * w - 3);
    expect(r.absRel).toBeLessThan(1e-12);
  });

  it('an all-NaN prediction is skipped with a reason, never a silent NaN; the accumulator counts it', () => {
    const acc = new DepthMetricAccumulator();
    const r = acc.evaluate(new Float64Array(h * w).fill(Number.NaN), gt, { width: w, height: h, dataset: 'scannet' }, 'broken');
    expect(r.skipped).toBe(true);
    expect(r.reason).toMatch(/no valid pixel/);
    acc.evaluate(disp, gt, { width: w, height: h, dataset: 'scannet' }, 'fine');
    const s = acc.summary();
    expect([s.count, s.skipped, s.skippedIds, s.nonFinitePred]).toEqual([1, 1, ['broken'], h * w]);
    expect(Object.values(s.metrics).every(Number.isFinite)).toBe(true);
  });

  it('non-positive predictions are left out of the disparity fit but stay in the metrics (clipped)', () => {
    const pred = disp.slice();
    pred[0] = -1;
    pred[1] = 0;
    const r = evaluateDepth(pred, gt, { width: w, height: h, dataset: 'scannet', returnDepth: true });
    expect(r.fitPixels).toBe(h * w - 2);
    expect(r.validPixels).toBe(h * w);
    // aligned disparity clipped to 1e-3 → depth 1000 → clipped to maxDepth 10
    expect(r.depth![0]).toBe(10);
    expect(r.depth![1]).toBe(10);
  });
});

describe('bad input', () => {
  const gt = scene(4, 5);
  it('mismatched shapes and sizes get clear errors', () => {
    expect(() => evaluateDepth(new Float64Array(19), gt, { width: 5, height: 4 })).toThrow(/pred has 19 values, expected 4×5 = 20/);
    expect(() => evaluateDepth(gt, new Float64Array(21), { width: 5, height: 4 })).toThrow(/gt has 21 values, expected height×width = 4×5 = 20/);
    expect(() => evaluateDepth(gt, gt, { width: 5, height: 4, mask: [1, 0] })).toThrow(/mask has 2 values/);
    expect(() => evaluateDepth(gt, gt, { width: 5, height: 4, predWidth: 3, predHeight: 3 })).toThrow(/pred has 20 values, expected 3×3 = 9/);
    expect(() => evaluateDepth(gt, gt, { width: 0, height: 4 })).toThrow(/width must be a positive integer/);
    expect(() => evaluateDepth(gt, gt, { width: 2.5, height: 8 })).toThrow(/width must be a positive integer/);
  });
  it("accepts 'nyu' as an alias of 'nyuv2', noting it once", () => {
    const notes: string[] = [];
    expect(canonicalDatasetName('nyu', (n) => notes.push(n))).toBe('nyuv2');
    expect(canonicalDatasetName('nyu', (n) => notes.push(n))).toBe('nyuv2');
    expect(canonicalDatasetName('kitti', (n) => notes.push(n))).toBe('kitti');
    expect(notes).toEqual(["dataset 'nyu' is spelled 'nyuv2' in AnyDepth; 'nyu' is accepted as an alias"]);
    expect(() => canonicalDatasetName('toString')).toThrow(/unknown dataset 'toString' \(known: nyuv2, kitti, eth3d, scannet, diode/);
    const viaAlias = evaluateDepth(
      gt.map((g) => 2 * g),
      gt,
      { width: 5, height: 4, dataset: 'nyu' },
    );
    expect(viaAlias).toEqual(
      evaluateDepth(
        gt.map((g) => 2 * g),
        gt,
        { width: 5, height: 4, dataset: 'nyuv2' },
      ),
    );
    expect(formatTable2([{ method: 'm', results: { nyu: { absRel: 0.05, delta1: 0.9 } } }], ['nyu'])).toMatch(/NYUv2 AbsRel/);
  });
  it('unknown dataset or alignment, bad range, missing DIODE mask', () => {
    expect(() => evaluateDepth(gt, gt, { width: 5, height: 4, dataset: 'sintel' as 'nyuv2' })).toThrow(/unknown dataset 'sintel'/);
    expect(() => evaluateDepth(gt, gt, { width: 5, height: 4, alignment: 'median' as 'depth' })).toThrow(/alignment must be/);
    expect(() => evaluateDepth(gt, gt, { width: 5, height: 4, minDepth: 5, maxDepth: 1 })).toThrow(/minDepth 5 must be below maxDepth 1/);
    expect(() => evaluateDepth(gt, gt, { width: 5, height: 4, dataset: 'diode' })).toThrow(/diode defines validity by its mask file/);
    const mask = Array.from(gt, (_, i) => i % 2);
    const r = evaluateDepth(gt, gt, { width: 5, height: 4, dataset: 'diode', mask, alignment: 'none' });
    expect(r.validPixels).toBe(10);
  });
  it('KB crop forced on a frame that is too small', () => {
    expect(() => evaluateDepth(gt, gt, { width: 5, height: 4, dataset: 'kitti', kbCrop: true })).toThrow(/KB crop needs/);
  });
});

describe('metrics and formatting', () => {
  it('computeDepthMetrics on a hand-worked pair', () => {
    // p = [2, 1], g = [1, 2]: |p−g|/g = [1, 0.5] → absRel 0.75; (p−g)²/g = [1, 0.5] → sqRel 0.75; rmse 1;
    // d = ±ln 2 → rmseLog ln 2, silog 100·ln 2; the ratio is 2 for both pixels, above 1.25, 1.5625 and
    // 1.953125, so δ1 = δ2 = δ3 = 0; 1/g − 1/p = [−0.5, 0.5] → iRmse 0.5.
    const m = computeDepthMetrics([2, 1], [1, 2], [1, 1]) as DepthMetrics;
    expect(m.absRel).toBeCloseTo(0.75, 14);
    expect(m.sqRel).toBeCloseTo(0.75, 14);
    expect(m.rmse).toBeCloseTo(1, 14);
    expect(m.rmseLog).toBeCloseTo(Math.LN2, 14);
    expect(m.log10).toBeCloseTo(Math.log10(2), 14);
    expect(m.silog).toBeCloseTo(100 * Math.LN2, 10);
    expect([m.delta1, m.delta2, m.delta3]).toEqual([0, 0, 0]);
    expect(m.iRmse).toBeCloseTo(0.5, 14);
    expect(computeDepthMetrics([1], [1], [0])).toBeNull();
  });

  it('Table-2 formatter prints AbsRel and δ1 in percent with one decimal', () => {
    const table = formatTable2(
      [
        { method: 'AnyDepth-S', results: { nyuv2: { absRel: 0.0432, delta1: 0.98 }, kitti: { absRel: 0.0811, delta1: 0.9356 } } },
        { method: 'DAv2-S', results: { nyuv2: { absRel: 0.053, delta1: 0.973 } } },
      ],
      ['nyuv2', 'kitti'],
    );
    const lines = table.split('\n');
    expect(lines[0]).toBe('| Method | NYUv2 AbsRel ↓ | NYUv2 δ1 ↑ | KITTI AbsRel ↓ | KITTI δ1 ↑ |');
    expect(lines[2]).toBe('| AnyDepth-S | 4.3 | 98.0 | 8.1 | 93.6 |');
    expect(lines[3]).toBe('| DAv2-S | 5.3 | 97.3 | - | - |');
    const acc = new DepthMetricAccumulator();
    const g = scene(4, 5);
    acc.evaluate(
      g.map((v) => 1.1 * v),
      g,
      { width: 5, height: 4, alignment: 'none' },
    );
    expect(formatSummary(acc.summary())).toBe('AbsRel 10.0  δ1 100.0  (1 images, 0 skipped)');
  });

  it('ETH3D fits on a ≤1024 nearest-downsampled copy and still recovers an exact affine disparity', () => {
    const h = 1100;
    const w = 1500;
    const g = scene(h, w);
    const r = evaluateDepth(
      g.map((v) => 5 / v - 0.2),
      g,
      { width: w, height: h, dataset: 'eth3d' },
    );
    expect(r.fitPixels).toBe(Math.floor(h * (1024 / 1500)) * 1024);
    expect(r.absRel).toBeLessThan(1e-9);
  });
});

describe('package', () => {
  it('has no runtime or peer dependencies (plain typed arrays, no TensorFlow.js)', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toBeUndefined();
    const { readdirSync } = await import('node:fs');
    for (const file of readdirSync(new URL('../src/', import.meta.url))) {
      const text = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
      expect(text, file).not.toMatch(/from '(?!\.)/);
    }
  });
});
