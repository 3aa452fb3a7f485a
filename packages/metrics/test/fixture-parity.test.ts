import { compareClose } from '@anydepth/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { type DepthMetrics, DepthMetricAccumulator, evaluateDepth } from '../src/index.js';
import { get, readFixture } from '@anydepth/test-utils/fixture-reader';

/** Acceptance: every metric within 1e-6 relative of the Marigold float64 reference (stored as float32). */
const RTOL = 1e-6;

const KEYS: [string, keyof DepthMetrics][] = [
  ['abs_relative_difference', 'absRel'],
  ['squared_relative_difference', 'sqRel'],
  ['rmse_linear', 'rmse'],
  ['rmse_log', 'rmseLog'],
  ['log10', 'log10'],
  ['delta1_acc', 'delta1'],
  ['delta2_acc', 'delta2'],
  ['delta3_acc', 'delta3'],
  ['i_rmse', 'iRmse'],
  ['silog_rmse', 'silog'],
];

const f = readFixture('eval_metrics.safetensors');
const [B, H, W] = get(f, 'input.gt_depth').shape;
const gtAll = get(f, 'input.gt_depth').data as Float32Array;
const predAll = get(f, 'input.pred').data as Float32Array;
const validAll = get(f, 'input.valid_mask').data as Uint8Array;
const worst: string[] = [];

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, atol = 0): void {
  const r = compareClose(actual, expected, { rtol: RTOL, atol, label });
  worst.push(`${label}: max rel ${r.maxRel.toExponential(2)}, max abs ${r.maxAbs.toExponential(2)}`);
  expect(r.ok, r.message).toBe(true);
}

afterAll(() => console.log(worst.join('\n')));

for (const [space, alignment] of [
  ['disp', 'disparity'],
  ['depth', 'depth'],
] as const) {
  describe(`eval_metrics.safetensors, Marigold ${alignment === 'disparity' ? 'least_square_disparity' : 'least_square'} (alignment '${alignment}')`, () => {
    const acc = new DepthMetricAccumulator();
    const results = Array.from({ length: B }, (_, b) => {
      const gt = gtAll.subarray(b * H * W, (b + 1) * H * W);
      const pred = predAll.subarray(b * H * W, (b + 1) * H * W);
      return acc.evaluate(pred, gt, { width: W, height: H, dataset: 'nyuv2', crop: false, alignment, returnDepth: true });
    });

    it('the valid mask equals (gt > 1e-3) & (gt < 10)', () => {
      results.forEach((r, b) => {
        let n = 0;
        for (let i = 0; i < H * W; i++) n += validAll[b * H * W + i];
        expect(r.validPixels).toBe(n);
      });
    });

    it('scale and shift', () => {
      close(
        results.map((r) => r.scale),
        get(f, `output.${space}.scale`).data,
        `${space}.scale`,
      );
      close(
        results.map((r) => r.shift),
        get(f, `output.${space}.shift`).data,
        `${space}.shift`,
      );
    });

    it('aligned and clipped depth (every pixel)', () => {
      const ours = new Float64Array(B * H * W);
      results.forEach((r, b) => ours.set(r.depth!, b * H * W));
      close(ours, get(f, `output.${space}.depth_pred`).data, `${space}.depth_pred`);
      if (space === 'disp') {
        // aligned disparity = max(s·pred + t, 1e-3), from our scale and shift
        const disp = new Float64Array(B * H * W);
        for (let b = 0; b < B; b++)
          for (let i = 0; i < H * W; i++) disp[b * H * W + i] = Math.max(results[b].scale * predAll[b * H * W + i] + results[b].shift, 1e-3);
        close(disp, get(f, 'output.disp.aligned_disparity').data, 'disp.aligned_disparity');
      }
    });

    it('every metric per sample and the mean over samples', () => {
      const mean = acc.summary();
      expect(mean.count).toBe(B);
      expect(mean.skipped).toBe(0);
      for (const [ref, key] of KEYS) {
        close(
          results.map((r) => r[key]),
          get(f, `output.${space}.per_sample.${ref}`).data,
          `${space}.per_sample.${ref}`,
        );
        close([mean.metrics[key]], get(f, `output.${space}.mean.${ref}`).data, `${space}.mean.${ref}`);
      }
    });
  });
}
