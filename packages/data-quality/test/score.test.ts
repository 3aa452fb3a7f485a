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
    const w = 16, h = 12;
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
    const w = 20, h = 10;
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
