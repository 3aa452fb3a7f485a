import { describe, expect, it } from 'vitest';
import { quantileLinear, scoreDepthMap } from '../src/index.js';

const close = (a: number, b: number, tol = 1e-12) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('scoreDepthMap: hand-computed cases and the edge cases of data-quality.md', () => {
  it('3×3 map with columns 1, 2, 4 (worked by hand)', () => {
    const d = new Float64Array([1, 2, 4, 1, 2, 4, 1, 2, 4]);
    const s = scoreDepthMap(d, 3, 3);
    // bins over [1, 4], K = 20: 1 → 0, 2 → floor(20/3) = 6, 4 → 19; counts 3, 3, 3; n̄ = 0.45
    // χ² = 3·(3 − 0.45)²/0.45 + 17·0.45 = 51 → S_χ² = exp(−51/9)
    close(s.chi2Score, Math.exp(-51 / 9));
    close(s.concScore, 1 - (1 / 3 - 0.1) / 0.4); // p_max = 1/3
    close(s.rangeScore, 3 / 20);
    close(s.distScore, 0.5 * Math.exp(-51 / 9) + 0.3 * (1 - (1 / 3 - 0.1) / 0.4) + 0.2 * 0.15);
    // G at the 4 positions: |dx| = 1, 2, 1, 2, dy = 0; q = quantile([1,1,2,2], 0.9) = 2; μ = 1.5, σ = 0.5
    close(s.gradScore, 1 / (1 + 0.5 / 1.5));
    close(s.totalScore, (s.gradScore + s.distScore) / 2);
    expect(s.validRatio).toBe(1);
  });

  it('constant depth: every value in bin 0 (S_χ² = exp(−(K−1)), S_conc = 0, S_range = 1/K), flat gradient S_grad = 1', () => {
    const s = scoreDepthMap(new Float32Array(20).fill(2.5), 5, 4);
    close(s.chi2Score, Math.exp(-19));
    expect(s.concScore).toBe(0);
    expect(s.rangeScore).toBe(0.05);
    expect(s.gradScore).toBe(1);
    close(s.totalScore, (1 + 0.5 * Math.exp(-19) + 0.2 * 0.05) / 2);
  });

  it('all invalid (0, negative, NaN, ±Inf, masked): every score 0', () => {
    const d = new Float64Array([0, -1, NaN, Infinity, -Infinity, 3]);
    const s = scoreDepthMap(d, 3, 2, { mask: [1, 1, 1, 1, 1, 0] });
    expect(s).toEqual({ width: 3, height: 2, validRatio: 0, chi2Score: 0, concScore: 0, rangeScore: 0, distScore: 0, gradScore: 0, totalScore: 0 });
  });

  it('a single valid pixel: χ² = 19 → S_χ² = exp(−19), no gradient position → S_grad = 0', () => {
    const d = new Float64Array(12);
    d[5] = 7;
    const s = scoreDepthMap(d, 4, 3);
    expect(s.validRatio).toBe(1 / 12);
    close(s.chi2Score, Math.exp(-19));
    expect(s.gradScore).toBe(0);
    close(s.totalScore, (0.5 * Math.exp(-19) + 0.2 * 0.05) / 2);
  });

  it('NaN and ±Inf are invalid: same scores as with those pixels set to 0', () => {
    const w = 16,
      h = 12;
    const a = new Float64Array(w * h).map((_, i) => 1 + Math.sin(i) * 0.5 + (i % w) * 0.1);
    const b = a.slice();
    [3, 50, 77, 120].forEach((i, k) => {
      a[i] = [NaN, Infinity, -Infinity, NaN][k];
      b[i] = 0;
    });
    expect(scoreDepthMap(a, w, h)).toEqual(scoreDepthMap(b, w, h));
  });

  it('maxDepth marks farther pixels invalid; a mask is AND-ed', () => {
    const d = new Float64Array([1, 2, 3, 200]);
    expect(scoreDepthMap(d, 2, 2, { maxDepth: 100 }).validRatio).toBe(0.75);
    expect(scoreDepthMap(d, 2, 2, { maxDepth: 100, mask: new Uint8Array([0, 1, 1, 1]) }).validRatio).toBe(0.5);
  });

  it('float16 input (half bit patterns) scores exactly like the same values as float32', () => {
    const w = 20,
      h = 10;
    const halves = new Uint16Array(w * h);
    const f32 = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const v = 1 + ((i * 37) % 101) / 64; // exactly representable in half precision
      f32[i] = v;
      // encode v as half: 1.xxx × 2^e with e ∈ {0, 1}
      const e = Math.floor(Math.log2(v));
      halves[i] = ((e + 15) << 10) | Math.round((v / 2 ** e - 1) * 1024);
    }
    halves[7] = 0x7e00; // NaN
    f32[7] = NaN;
    expect(scoreDepthMap(halves, w, h, { float16: true })).toEqual(scoreDepthMap(f32, w, h));
  });

  it('degenerate shapes: 1×1, 1×N and N×1 (no gradient positions)', () => {
    expect(scoreDepthMap([5], 1, 1).gradScore).toBe(0);
    expect(scoreDepthMap([1, 2, 3], 3, 1).gradScore).toBe(0);
    expect(scoreDepthMap([1, 2, 3], 1, 3).rangeScore).toBeGreaterThan(0);
    expect(() => scoreDepthMap([1, 2], 3, 1)).toThrow(/expected 3x1/);
  });

  it('bins and weights are options', () => {
    const d = new Float64Array([1, 2, 4, 1, 2, 4, 1, 2, 4]);
    const s = scoreDepthMap(d, 3, 3, { bins: 3, weights: [1, 0, 0] });
    // K = 3 over [1, 4]: 1 → 0, 2 → floor(1) = 1, 4 → 2: perfectly uniform, χ² = 0
    expect(s.chi2Score).toBe(1);
    expect(s.distScore).toBe(1);
  });
});

describe('16-bit integer maps (scored on the codes) equal the same maps as float64 depths', () => {
  const KEYS = ['validRatio', 'chi2Score', 'concScore', 'rangeScore', 'distScore', 'gradScore', 'totalScore'] as const;
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  const cases: Array<[string, (x: number, y: number) => number]> = [
    // smooth slope with ±3 noise and 10 % holes: the 90th percentile falls among small differences
    ['smooth', (x, y) => (rnd() < 0.1 ? 0 : 2000 + 7 * x + 3 * y + Math.floor(rnd() * 7) - 3)],
    // white noise over the whole range: almost every difference is ≥ 128 codes (the listed squares)
    ['noise', () => 1 + Math.floor(rnd() * 65535)],
    // flat planes with a few steps: most squares are 0, the quantile sits in a large tie group
    ['steps', (x, y) => (x < 20 ? 1000 : x < 35 ? 1001 : 40000) + (y > 30 && rnd() < 0.05 ? 300 : 0)],
    // mixed: half noise, half smooth, some zeros and the largest code
    ['mixed', (x, y) => (x < 24 ? 1 + Math.floor(rnd() * 65535) : rnd() < 0.05 ? (rnd() < 0.5 ? 0 : 65535) : 500 + x + y)],
  ];
  for (const [name, f] of cases) {
    it(`${name}: every scale and far plane, within 1e-12 relative`, () => {
      const w = 48,
        h = 40;
      const codes = new Uint16Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) codes[y * w + x] = f(x, y);
      for (const scale of [1, 256, 1000, 5000, 1e-3]) {
        for (const maxDepth of [undefined, 30, 1e300]) {
          const got = scoreDepthMap(codes, w, h, { scale, maxDepth });
          const want = scoreDepthMap(
            Float64Array.from(codes, (c) => (scale === 1 ? c : c / scale)),
            w,
            h,
            { maxDepth },
          );
          for (const k of KEYS) {
            const err = Math.abs(got[k] - want[k]) / Math.max(Math.abs(want[k]), 1e-300);
            expect(err, `${name} scale ${scale} maxDepth ${maxDepth} ${k}: ${got[k]} vs ${want[k]}`).toBeLessThanOrEqual(1e-12);
          }
        }
      }
    });
  }

  it('all invalid, one valid pixel, bins option and a bad-scale fallback', () => {
    const zeros = new Uint16Array(12);
    expect(scoreDepthMap(zeros, 4, 3, { scale: 1000 })).toEqual(scoreDepthMap(new Float64Array(12), 4, 3));
    const one = new Uint16Array(12);
    one[5] = 7000;
    expect(scoreDepthMap(one, 4, 3, { scale: 1000 })).toEqual(
      scoreDepthMap(
        Float64Array.from(one, (c) => c / 1000),
        4,
        3,
      ),
    );
    const ramp = Uint16Array.from({ length: 30 }, (_, i) => 100 + i * i);
    expect(scoreDepthMap(ramp, 6, 5, { scale: 100, bins: 7 })).toEqual(
      scoreDepthMap(
        Float64Array.from(ramp, (c) => c / 100),
        6,
        5,
        { bins: 7 },
      ),
    );
    // a negative or non-finite scale is not a code map: per-pixel division as before (every depth ≤ 0 → invalid)
    expect(scoreDepthMap(ramp, 6, 5, { scale: -1 }).validRatio).toBe(0);
  });
});

describe('quantileLinear (selection) equals numpy linear quantile via full sort', () => {
  it('random data with ties, many sizes', () => {
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (const n of [1, 2, 3, 4, 5, 10, 11, 17, 64, 100, 1001, 5000]) {
      for (const ties of [false, true]) {
        const a = new Float64Array(n).map(() => (ties ? Math.floor(rnd() * 5) : rnd()));
        const sorted = Array.from(a).sort((x, y) => x - y);
        for (const q of [0, 0.1, 0.5, 0.9, 1]) {
          const v = n * q + (1 - q) - 1;
          const lo = Math.max(0, Math.min(n - 1, Math.floor(v)));
          const hi = Math.min(lo + 1, n - 1);
          const g = v - Math.floor(v);
          const want = g >= 0.5 ? sorted[hi] - (sorted[hi] - sorted[lo]) * (1 - g) : sorted[lo] + (sorted[hi] - sorted[lo]) * g;
          expect(quantileLinear(a.slice(), n, q)).toBe(want);
        }
      }
    }
  });
});
