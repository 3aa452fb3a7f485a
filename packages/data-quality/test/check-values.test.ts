import { readFileSync } from 'node:fs';
import { decodePng } from '@anydepth/datasets';
import { readDepth } from '@anydepth/datasets/node';
import { sharedPath } from '@anydepth/test-utils';
import { describe, expect, it } from 'vitest';
import { scoreDepthMap, type QualityScores } from '../src/index.js';

const KEYS = ['validRatio', 'chi2Score', 'concScore', 'rangeScore', 'distScore', 'gradScore', 'totalScore'] as const;
type Row = Record<(typeof KEYS)[number], number>;

// data-quality.md "Public check values" (4 decimals; validRatio of the last row 0.99997).
const SPEC: Record<string, Row> = {
  nyu: { validRatio: 0.7506, chi2Score: 0.4846, concScore: 0.9348, rangeScore: 1, distScore: 0.7227, gradScore: 0.4897, totalScore: 0.6062 },
  tartan: { validRatio: 1, chi2Score: 0, concScore: 0, rangeScore: 0.1, distScore: 0.02, gradScore: 0.5983, totalScore: 0.3091 },
  tartan100: { validRatio: 0.99997, chi2Score: 0.2298, concScore: 0.6991, rangeScore: 1, distScore: 0.5246, gradScore: 0.5983, totalScore: 0.5615 },
};

// Full-precision float64 values from test/reference/scores_reference.py, an independent numpy implementation of
// data-quality.md (np.histogram, np.quantile, ndarray.std); run: python3 test/reference/scores_reference.py ../shared/data
const NUMPY: Record<string, Row> = {
  nyu: {
    validRatio: 0.75064453125,
    chi2Score: 0.4845615078576085,
    concScore: 0.9348303107572485,
    rangeScore: 1.0,
    distScore: 0.7227298471559789,
    gradScore: 0.4896752087643682,
    totalScore: 0.6062025279601735,
  },
  tartan: {
    validRatio: 1.0,
    chi2Score: 5.609365870668454e-9,
    concScore: 0.0,
    rangeScore: 0.1,
    distScore: 0.020000002804682938,
    gradScore: 0.5982823432520933,
    totalScore: 0.3091411730283881,
  },
  tartan100: {
    validRatio: 0.999970703125,
    chi2Score: 0.229792030432924,
    concScore: 0.6990968159874476,
    rangeScore: 1.0,
    distScore: 0.5246250600126963,
    gradScore: 0.5982823432520933,
    totalScore: 0.5614537016323948,
  },
};

function relErr(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

function check(name: string, got: QualityScores, rtol: number): void {
  for (const k of KEYS) {
    const want = NUMPY[name][k];
    // chi2Score of the unfiltered TartanAir map is ~5.6e-9: compare absolutely there.
    const err = Math.abs(want) < 1e-6 ? Math.abs(got[k] - want) : relErr(got[k], want);
    expect(err, `${name}.${k}: got ${got[k]}, numpy ${want}`).toBeLessThanOrEqual(rtol);
    expect(Math.abs(got[k] - SPEC[name][k]), `${name}.${k} vs spec table`).toBeLessThanOrEqual(k === 'validRatio' && name === 'tartan100' ? 5e-6 : 5e-5);
  }
}

const nyuPath = sharedPath('data', 'nyu_metric3d/depth/sync_depth_00050.png');
const tartanPath = sharedPath('data', 'tartanair_sample/depth_left/000180_left_depth.npy');

describe('public check values of data-quality.md, float64, 1e-6 relative', () => {
  it('NYU sync_depth_00050.png ÷ 1000 (raw 16-bit values divided in float64)', () => {
    const img = decodePng(new Uint8Array(readFileSync(nyuPath)));
    check('nyu', scoreDepthMap(img.data, img.width, img.height, { scale: 1000 }), 1e-6);
    // Same via an explicit float64 array.
    const f64 = Float64Array.from(img.data as Uint16Array, (v) => v / 1000);
    check('nyu', scoreDepthMap(f64, img.width, img.height), 1e-6);
  });

  it('TartanAir 000180 .npy (float32 metres), without a far plane and with maxDepth = 100', async () => {
    const m = await readDepth(tartanPath);
    check('tartan', scoreDepthMap(m.data, m.width, m.height), 1e-6);
    const far = scoreDepthMap(m.data, m.width, m.height, { maxDepth: 100 });
    check('tartan100', far, 1e-6);
    expect(Math.round((1 - far.validRatio) * m.width * m.height)).toBe(9); // "9 sky pixels above 100 m"
  });

  it('NYU decoded to a float32 map (÷1000 rounded to float32) still matches the 4-decimal table', async () => {
    const m = await readDepth(nyuPath, { format: 'png16', scale: 1000 });
    const s = scoreDepthMap(m.data, m.width, m.height, { mask: m.valid });
    for (const k of KEYS) expect(Math.abs(s[k] - SPEC.nyu[k])).toBeLessThanOrEqual(5e-5);
    // float32 rounding of the depths moves the gradient score by ~3e-5 relative, the histogram not at all
    expect(s.distScore).toBe(NUMPY.nyu.distScore);
    expect(relErr(s.gradScore, NUMPY.nyu.gradScore)).toBeLessThan(1e-4);
  });
});
