import * as tf from '@tensorflow/tfjs-core';
import { compareClose, expectClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type GridSampleAttrs,
  type GridSampleMode,
  type GridSamplePadding,
  GRID_SAMPLE,
  gridSample,
  gridSampleForward,
  hasGridSampleKernel,
} from '../src/index.js';
import { uniform } from './helpers.js';

const MODES: GridSampleMode[] = ['bilinear', 'nearest'];
const PADDINGS: GridSamplePadding[] = ['zeros', 'border', 'reflection'];
const ALIGN = [false, true];

const SPECIAL = [Number.NaN, Infinity, -Infinity, 1e10, -1e10, 1, -1, 0, 1.0000001, -3.7, 2.5, 0.5, -0.5, 37.3, -41.9];
/**
 * Reflection of coordinates beyond ~2^24 pixels is not well defined in float32 (ATen casts the
 * flip count to int, overflowing), so the reflection comparisons use moderately large values.
 */
const SPECIAL_REFLECTION = SPECIAL.filter((v) => Math.abs(v) !== 1e10);

/** A grid with random values in [-1.6, 1.6], optionally with non-finite and extreme values sprinkled in. */
function makeGrid(shape: [number, number, number, 2], seed: number, special: boolean, padding: GridSamplePadding = 'zeros'): tf.Tensor4D {
  const v = uniform(shape[0] * shape[1] * shape[2] * 2, -1.6, 1.6, seed);
  const values = padding === 'reflection' ? SPECIAL_REFLECTION : SPECIAL;
  if (special) for (let i = 0; i < v.length; i += 5) v[i] = values[(i / 5) % values.length];
  return tf.tensor4d(v, shape);
}

/** Float64 forward from the reference implementation (for finite differences). */
function forward64(x: Float64Array, xs: number[], g: Float64Array, gs: number[], attrs: GridSampleAttrs): Float64Array {
  const out = new Float64Array(xs[0] * gs[1] * gs[2] * xs[3]);
  gridSampleForward(x, xs as never, g, gs as never, attrs, out, false);
  return out;
}

/** Central differences in float64 of L = Σ out·R with respect to every element of `wrt`. */
function finiteDiff(x: Float64Array, xs: number[], g: Float64Array, gs: number[], R: Float64Array, attrs: GridSampleAttrs, wrt: 'x' | 'grid'): Float64Array {
  const v = wrt === 'x' ? x : g;
  const out = new Float64Array(v.length);
  const eps = 1e-6;
  const loss = (): number => forward64(x, xs, g, gs, attrs).reduce((a, o, i) => a + o * R[i], 0);
  for (let i = 0; i < v.length; i++) {
    const orig = v[i];
    v[i] = orig + eps;
    const lp = loss();
    v[i] = orig - eps;
    const lm = loss();
    v[i] = orig;
    out[i] = (lp - lm) / (2 * eps);
  }
  return out;
}

describe('gridSample: hand-computed PyTorch values', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  // A 1×1×3 image [a, b, c] = [10, 20, 40] sampled at single x coordinates (y = 0 on a 1-row image).
  const at = (gx: number, opts: Parameters<typeof gridSample>[2]): number =>
    tf.tidy(() => gridSample(tf.tensor4d([10, 20, 40], [1, 1, 3, 1]), tf.tensor4d([gx, 0], [1, 1, 1, 2]), opts).dataSync()[0]);

  it('bilinear, each padding mode and alignCorners', () => {
    // align false: ix = ((gx + 1)·3 − 1)/2. gx = 0 → ix = 1 → b.
    expect(at(0, {})).toBeCloseTo(20, 5);
    // gx = −1 → ix = −0.5: zeros → 0.5·a; border → a; reflection about −0.5 → −0.5 → clip 0 → a.
    expect(at(-1, { paddingMode: 'zeros' })).toBeCloseTo(5, 5);
    expect(at(-1, { paddingMode: 'border' })).toBeCloseTo(10, 5);
    expect(at(-1, { paddingMode: 'reflection' })).toBeCloseTo(10, 5);
    // gx = 1.4 → ix = 3.1: zeros → 0; border → c; reflection about 2.5 → 1.9 → 0.1·b + 0.9·c.
    expect(at(1.4, { paddingMode: 'zeros' })).toBeCloseTo(0, 5);
    expect(at(1.4, { paddingMode: 'border' })).toBeCloseTo(40, 5);
    expect(at(1.4, { paddingMode: 'reflection' })).toBeCloseTo(0.1 * 20 + 0.9 * 40, 4);
    // align true: ix = (gx + 1)·(3 − 1)/2. gx = 1.5 → 2.5: zeros → x0 = 2 (weight 0.5) valid, x1 = 3 out → 0.5·c = 20.
    expect(at(1.5, { alignCorners: true, paddingMode: 'zeros' })).toBeCloseTo(20, 5);
    expect(at(1.5, { alignCorners: true, paddingMode: 'border' })).toBeCloseTo(40, 5);
    // reflection about 2 → 1.5 → (b + c)/2
    expect(at(1.5, { alignCorners: true, paddingMode: 'reflection' })).toBeCloseTo(30, 5);
    // gx = −0.75 → ix = 0.25 → 0.75·a + 0.25·b
    expect(at(-0.75, { alignCorners: true })).toBeCloseTo(12.5, 5);
  });

  it('nearest rounds half to even (std::nearbyint)', () => {
    const img4 = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    const near = (gx: number): number => tf.tidy(() => gridSample(img4, tf.tensor4d([gx, 0], [1, 1, 1, 2]), { mode: 'nearest' }).dataSync()[0]);
    // align false on W = 4: ix = ((gx + 1)·4 − 1)/2; gx = 0 → 1.5 → 2 (value 3); gx = −0.5 → 0.5 → 0 (value 1)
    expect(near(0)).toBe(3);
    expect(near(-0.5)).toBe(1);
    expect(near(0.5)).toBe(3); // ix = 2.5 → nearbyint → 2 (value 3), not 3
  });

  it('NaN and infinite grid values follow ATen', () => {
    const img2 = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]); // rows [1 2 3], [4 5 6]
    const sample = (gx: number, gy: number, opts: Parameters<typeof gridSample>[2]): number =>
      tf.tidy(() => gridSample(img2, tf.tensor4d([gx, gy], [1, 1, 1, 2]), opts).dataSync()[0]);
    for (const mode of MODES) {
      for (const alignCorners of ALIGN) {
        // zeros: a NaN/Inf coordinate contributes nothing (safe_downgrade_to_int_range → -100)
        expect(sample(Number.NaN, 0, { mode, alignCorners })).toBe(0);
        expect(sample(0, Infinity, { mode, alignCorners })).toBe(0);
        // border: clip_coordinates turns NaN into index 0; +Inf clips to the last index
        expect(sample(Number.NaN, -1e30, { mode, alignCorners, paddingMode: 'border' })).toBe(1);
        expect(sample(Infinity, Number.NaN, { mode, alignCorners, paddingMode: 'border' })).toBe(3);
        expect(sample(-Infinity, 1e30, { mode, alignCorners, paddingMode: 'border' })).toBe(4);
        // reflection: NaN and ±Inf (fmod(Inf) = NaN) both end at index 0
        expect(sample(Number.NaN, Infinity, { mode, alignCorners, paddingMode: 'reflection' })).toBe(1);
        expect(sample(-Infinity, Number.NaN, { mode, alignCorners, paddingMode: 'reflection' })).toBe(1);
      }
    }
  });
});

describe('gridSample equals resizeBilinear on a regular grid', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });
  it('half-pixel grid (alignCorners false) and corner grid (alignCorners true)', () => {
    const x = tf.randomNormal([2, 5, 7, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const [Ho, Wo] = [9, 13];
    for (const alignCorners of ALIGN) {
      const gxs = Array.from({ length: Wo }, (_, i) => (alignCorners ? (2 * i) / (Wo - 1) - 1 : (2 * i + 1) / Wo - 1));
      const gys = Array.from({ length: Ho }, (_, i) => (alignCorners ? (2 * i) / (Ho - 1) - 1 : (2 * i + 1) / Ho - 1));
      const v: number[] = [];
      for (let b = 0; b < 2; b++) for (const gy of gys) for (const gx of gxs) v.push(gx, gy);
      const grid = tf.tensor4d(v, [2, Ho, Wo, 2]);
      const ref = tf.image.resizeBilinear(x, [Ho, Wo], alignCorners, !alignCorners);
      for (const paddingMode of ['border', 'reflection'] as const) {
        expectClose(gridSample(x, grid, { paddingMode, alignCorners }), ref, { atol: 1e-5, label: `${paddingMode} align ${alignCorners}` });
        expectClose(gridSample(x, grid, { paddingMode, alignCorners, implementation: 'composite' }), ref, {
          atol: 1e-5,
          label: `composite ${paddingMode} align ${alignCorners}`,
        });
      }
    }
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`gridSample kernel vs composition on ${backend}`, () => {
    beforeAll(async () => {
      await setBackend(backend);
      await registerGradients();
    });

    it('has a dedicated kernel', () => {
      expect(hasGridSampleKernel(backend)).toBe(true);
      expect(tf.getKernel(GRID_SAMPLE, backend)).toBeTruthy();
    });

    for (const mode of MODES) {
      for (const paddingMode of PADDINGS) {
        for (const alignCorners of ALIGN) {
          const opts = { mode, paddingMode, alignCorners };
          it(`${mode}/${paddingMode}/align=${alignCorners}: forward and gradients agree to 1e-5, incl. out-of-range/NaN grids`, () => {
            const x = tf.tensor4d(uniform(2 * 6 * 5 * 3, -2, 2, 7), [2, 6, 5, 3]);
            const R = tf.tensor4d(uniform(2 * 4 * 7 * 3, -1, 1, 9), [2, 4, 7, 3]);
            for (const special of [false, true]) {
              const grid = makeGrid([2, 4, 7, 2], 13 + Number(special), special, paddingMode);
              const k = gridSample(x, grid, opts);
              const c = gridSample(x, grid, { ...opts, implementation: 'composite' });
              expect(k.shape).toEqual([2, 4, 7, 3]);
              expectClose(k, c, { atol: 1e-5, label: `forward special=${special}` });
              expect(Array.from(k.dataSync()).every(Number.isFinite)).toBe(true);
              const loss = (impl: 'kernel' | 'composite') => (xx: tf.Tensor, gg: tf.Tensor) =>
                tf.sum(tf.mul(gridSample(xx, gg, { ...opts, implementation: impl }), R)) as tf.Scalar;
              const [dxK, dgK] = tf.grads(loss('kernel'))([x, grid]);
              // tfjs' IS_TEST leak check misfires for any tf.customGrad under tf.grads on wasm
              // (even an identity one), so it is switched off around the composition's gradient.
              tf.env().set('IS_TEST', false);
              const [dxC, dgC] = tf.grads(loss('composite'))([x, grid]);
              tf.env().set('IS_TEST', true);
              expectClose(dxK, dxC, { atol: 1e-5, rtol: 1e-5, label: `dx special=${special}` });
              if (!special) expectClose(dgK, dgC, { atol: 1e-5, rtol: 1e-5, label: 'dgrid' });
              else {
                // Non-finite coordinates: both finite; finite points agree with the composition.
                const gv = grid.dataSync();
                const a = dgK.dataSync();
                const b = dgC.dataSync();
                expect(Array.from(a).every(Number.isFinite)).toBe(true);
                const keep = Array.from(a.keys()).filter((i) => {
                  const p = i - (i % 2);
                  return Number.isFinite(gv[p]) && Number.isFinite(gv[p + 1]) && Math.abs(gv[p]) < 1e9 && Math.abs(gv[p + 1]) < 1e9;
                });
                const r = compareClose(
                  keep.map((i) => a[i]),
                  keep.map((i) => b[i]),
                  { atol: 1e-5, rtol: 1e-5, label: 'dgrid finite points' },
                );
                expect(r.ok, r.message).toBe(true);
              }
              if (mode === 'nearest') expect(Math.max(...Array.from(dgK.dataSync()).map(Math.abs))).toBe(0);
              tf.dispose([grid, k, c, dxK, dgK, dxC, dgC]);
            }
            tf.dispose([x, R]);
          });
        }
      }
    }

    it('channel groups (grid [B·G, Ho, Wo, 2]): kernel equals the transposed composition, forward and gradients', () => {
      const x = tf.tensor4d(uniform(2 * 6 * 5 * 6, -2, 2, 31), [2, 6, 5, 6]);
      const R = tf.tensor4d(uniform(2 * 4 * 7 * 6, -1, 1, 32), [2, 4, 7, 6]);
      for (const mode of MODES) {
        for (const paddingMode of PADDINGS) {
          for (const alignCorners of ALIGN) {
            const opts = { mode, paddingMode, alignCorners, groups: 3 };
            const grid = makeGrid([6, 4, 7, 2], 33, true, paddingMode);
            const label = `groups=3 ${mode}/${paddingMode}/${alignCorners}`;
            expectClose(gridSample(x, grid, opts), gridSample(x, grid, { ...opts, implementation: 'composite' }), { atol: 1e-5, label });
            const loss = (impl: 'kernel' | 'composite') => (xx: tf.Tensor, gg: tf.Tensor) =>
              tf.sum(tf.mul(gridSample(xx, gg, { ...opts, implementation: impl }), R)) as tf.Scalar;
            const [dxK, dgK] = tf.grads(loss('kernel'))([x, tf.where(tf.isFinite(grid), grid, tf.zerosLike(grid))]);
            tf.env().set('IS_TEST', false); // see above: tfjs' leak check misfires for customGrad on wasm
            const [dxC, dgC] = tf.grads(loss('composite'))([x, tf.where(tf.isFinite(grid), grid, tf.zerosLike(grid))]);
            tf.env().set('IS_TEST', true);
            expectClose(dxK, dxC, { atol: 1e-5, rtol: 1e-5, label: `${label} dx` });
            expectClose(dgK, dgC, { atol: 1e-5, rtol: 1e-5, label: `${label} dgrid` });
          }
        }
      }
      expect(() => gridSample(x, tf.zeros([2, 4, 7, 2]), { groups: 3 })).toThrow(/grid batch 2 must equal input batch 2·3 = 6/);
      expect(() => gridSample(x, tf.zeros([8, 4, 7, 2]), { groups: 4 })).toThrow(/groups \(4\) must be a positive integer dividing/);
    });

    it('rejects bad shapes and options with clear errors', () => {
      const x = tf.zeros([1, 3, 3, 2]);
      expect(() => gridSample(x, tf.zeros([1, 2, 2, 3]))).toThrow(/grid must be \[B, Ho, Wo, 2\]/);
      expect(() => gridSample(x, tf.zeros([2, 2, 2, 2]))).toThrow(/batch/);
      expect(() => gridSample(tf.zeros([3, 3, 2]), tf.zeros([1, 2, 2, 2]))).toThrow(/input must be/);
      expect(() => gridSample(x, tf.zeros([1, 2, 2, 2]), { mode: 'bicubic' as never })).toThrow(/mode/);
      expect(() => gridSample(x, tf.zeros([1, 2, 2, 2]), { paddingMode: 'wrap' as never })).toThrow(/paddingMode/);
    });

    it('does not leak tensors (forward and gradient)', () => {
      const x = tf.randomNormal([1, 4, 4, 2]);
      const g = tf.randomUniform([1, 3, 3, 2], -1, 1);
      const f = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(gridSample(a, b)) as tf.Scalar);
      tf.dispose([gridSample(x, g), ...f([x, g])]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) tf.dispose([gridSample(x, g), ...f([x, g])]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('gridSample finite-difference gradient checks (bilinear)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    await registerGradients();
  });
  for (const paddingMode of PADDINGS) {
    for (const alignCorners of ALIGN) {
      const groups = alignCorners ? 3 : 1;
      it(`${paddingMode}, alignCorners=${alignCorners}, groups=${groups}: tf.grad matches float64 central differences`, () => {
        const attrs: GridSampleAttrs = { mode: 'bilinear', paddingMode, alignCorners, groups };
        const xs = [2, 4, 5, 3];
        const gs = [2 * groups, 3, 4, 2];
        const xv = uniform(2 * 4 * 5 * 3, -2, 2, 21);
        const gv = uniform(2 * groups * 3 * 4 * 2, -1.5, 1.5, 22);
        const rv = uniform(2 * 3 * 4 * 3, -1, 1, 23);
        const x = tf.tensor4d(xv, xs as never);
        const grid = tf.tensor4d(gv, gs as never);
        const R = tf.tensor4d(rv, [2, 3, 4, 3]);
        const x64 = Float64Array.from(xv);
        const g64 = Float64Array.from(gv);
        const r64 = Float64Array.from(rv);
        for (const implementation of ['kernel', 'composite'] as const) {
          const [dx, dg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(gridSample(a, b, { ...attrs, implementation }), R)) as tf.Scalar)([x, grid]);
          expectClose(dx, finiteDiff(x64, xs, g64, gs, r64, attrs, 'x'), { atol: 1e-5, rtol: 1e-4, label: `${implementation} dx` });
          expectClose(dg, finiteDiff(x64, xs, g64, gs, r64, attrs, 'grid'), { atol: 1e-4, rtol: 1e-4, label: `${implementation} dgrid` });
        }
      });
    }
  }
});
