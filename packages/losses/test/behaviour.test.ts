import * as tf from '@tensorflow/tfjs-core';
import { compareClose, numericGradient, registerGradients, setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  anyDepthLoss,
  anyDepthLossTerms,
  computeScaleAndShift,
  dav1Loss,
  gradientMatchingLoss,
  mseLoss,
  reduceLoss,
  ssiMseLoss,
  subsample,
  trimmedMaeLoss,
  trimmedProcrustesLoss,
} from '../src/index.js';

/** Deterministic pseudo-random values in [0, 1) (xorshift), so the tests need no seeded tfjs RNG. */
function noise(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 32;
  }
  return out;
}

function sample(b: number, h: number, w: number, seed: number) {
  const n = b * h * w;
  const g = noise(n, seed);
  const e = noise(n, seed + 1);
  const holes = noise(n, seed + 2);
  const target = tf.tensor3d(
    g.map((v) => 0.05 + 0.95 * v),
    [b, h, w],
  );
  const prediction = tf.tensor3d(
    g.map((v, i) => 2.5 * (0.05 + 0.95 * v) - 0.7 + 0.2 * (e[i] - 0.5)),
    [b, h, w],
  );
  const mask = tf.tensor3d(
    holes.map((v) => (v > 0.2 ? 1 : 0)),
    [b, h, w],
    'int32',
  );
  return { prediction, target, mask };
}

beforeAll(async () => {
  await setBackend('cpu');
  await registerGradients();
});

describe('behaviour', () => {
  it('a prediction that is an exact affine map of the target (also a negative scale) has loss ~0', () => {
    tf.tidy(() => {
      const { target, mask } = sample(2, 12, 16, 11);
      for (const [a, b] of [
        [3, 1],
        [-0.5, 2],
      ]) {
        const prediction = tf.add(tf.mul(target, a), b) as tf.Tensor3D;
        const t = anyDepthLossTerms(prediction, target, mask);
        // float32 residuals of ~1e-7 per pixel feed the L1 gradient term, so 'zero' is ~1e-7 here.
        expect(t.total.dataSync()[0]).toBeLessThan(1e-5);
        expect(compareClose(t.scale.dataSync(), [1 / a, 1 / a], { rtol: 1e-5, atol: 0 }).ok).toBe(true);
        expect(compareClose(t.shift.dataSync(), [-b / a, -b / a], { rtol: 1e-5, atol: 1e-6 }).ok).toBe(true);
      }
    });
  });

  it('the loss is invariant to an affine map of the prediction', () => {
    tf.tidy(() => {
      const { prediction, target, mask } = sample(2, 12, 16, 21);
      const base = anyDepthLoss(prediction, target, mask).dataSync()[0];
      const moved = anyDepthLoss(tf.add(tf.mul(prediction, -4), 3) as tf.Tensor3D, target, mask).dataSync()[0];
      expect(Math.abs(moved - base) / base).toBeLessThan(1e-5);
    });
  });

  it('alpha: total = data + alpha·gradient, 0 gives the data term alone', () => {
    tf.tidy(() => {
      const { prediction, target, mask } = sample(2, 10, 12, 31);
      const t = anyDepthLossTerms(prediction, target, mask, { alpha: 2 });
      const data = t.dataLoss.dataSync()[0];
      const grad = t.gradientLoss.dataSync()[0];
      expect(t.total.dataSync()[0]).toBeCloseTo(data + 2 * grad, 6);
      expect(anyDepthLoss(prediction, target, mask, { alpha: 0 }).dataSync()[0]).toBeCloseTo(data, 7);
      expect(ssiMseLoss(prediction, target, mask).dataSync()[0]).toBeCloseTo(data, 7);
      expect(gradientMatchingLoss(t.alignedPrediction, target, mask).dataSync()[0]).toBeCloseTo(grad, 7);
    });
  });

  it('mseLoss divides by 2·ΣM (hand-computed)', () => {
    tf.tidy(() => {
      const p = tf.tensor3d([1, 2, 3, 4], [1, 2, 2]);
      const g = tf.tensor3d([0, 0, 0, 0], [1, 2, 2]);
      const m = tf.tensor3d([1, 1, 0, 1], [1, 2, 2]);
      // (1 + 4 + 16) / (2·3) = 3.5
      expect(mseLoss(p, g, m).dataSync()[0]).toBeCloseTo(3.5, 6);
    });
  });

  it('reduceLoss: batch and image reductions, 0 where counts are 0', () => {
    tf.tidy(() => {
      const loss = tf.tensor1d([6, 0, 3]);
      const count = tf.tensor1d([3, 0, 1]);
      expect(reduceLoss(loss, count, 'batch').dataSync()[0]).toBeCloseTo(9 / 4, 6);
      expect(reduceLoss(loss, count, 'image').dataSync()[0]).toBeCloseTo((2 + 0 + 3) / 3, 6);
      expect(reduceLoss(tf.zeros([2]) as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D, 'batch').dataSync()[0]).toBe(0);
    });
  });

  it('subsample is x[:, ::s, ::s]', () => {
    tf.tidy(() => {
      const x = tf.reshape(tf.range(0, 2 * 5 * 7), [2, 5, 7]) as tf.Tensor3D;
      const s = subsample(x, 2);
      expect(s.shape).toEqual([2, 3, 4]);
      const v = s.arraySync() as number[][][];
      expect(v[1][2][3]).toBe(35 + 4 * 7 + 6);
      expect(subsample(x, 8).shape).toEqual([2, 1, 1]);
    });
  });

  it('the analytic gradient through scale and shift matches finite differences', () => {
    const { prediction, target, mask } = sample(2, 8, 10, 41);
    const f = (p: tf.Tensor) => anyDepthLoss(p as tf.Tensor3D, target, mask);
    const analytic = tf.tidy(() => tf.grad(f)(prediction).dataSync());
    const base = prediction.dataSync().slice() as Float32Array;
    const value = (arr: Float32Array) => tf.tidy(() => f(tf.tensor3d(arr, prediction.shape)).dataSync()[0]);
    const f0 = value(base);
    const eps = 1e-3;
    for (const i of [0, 7, 33, 79, 80, 95, 120, 159]) {
      const up = base.slice();
      up[i] += eps;
      const down = base.slice();
      down[i] -= eps;
      const forward = (value(up) - f0) / eps;
      const backward = (f0 - value(down)) / eps;
      // The gradient term is an L1 sum: where two neighbouring residuals are within eps the loss has a
      // kink, the one-sided slopes differ, and the analytic gradient must equal one of them.
      const tol = 2e-3 * Math.max(1, Math.abs(forward)) + 5e-4;
      const matches = Math.abs(analytic[i] - (forward + backward) / 2) < tol || Math.abs(analytic[i] - forward) < tol || Math.abs(analytic[i] - backward) < tol;
      expect(matches, `index ${i}: analytic ${analytic[i]}, forward ${forward}, backward ${backward}`).toBe(true);
    }
    tf.dispose([prediction, target, mask]);
  });

  it('the median/MAD losses are differentiable (finite differences agree away from median switches)', () => {
    const { prediction, target, mask } = sample(1, 8, 10, 51);
    for (const loss of [(p: tf.Tensor) => dav1Loss(p as tf.Tensor3D, target, mask), (p: tf.Tensor) => trimmedProcrustesLoss(p as tf.Tensor3D, target, mask)]) {
      const analytic = tf.tidy(() => tf.grad(loss)(prediction).dataSync());
      expect(analytic.every(Number.isFinite)).toBe(true);
      const indices = [3, 17, 42, 66];
      const numeric = numericGradient(loss, prediction, 1e-3, indices);
      for (const i of indices) expect(Math.abs(analytic[i] - numeric[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric[i])));
    }
    tf.dispose([prediction, target, mask]);
  });

  it('trimming really drops the largest residuals (gistAsWritten keeps them)', () => {
    tf.tidy(() => {
      // residuals 1..10 on 10 valid pixels: keep int(10·0.8) = 8 → (1+…+8)/(2·10) = 1.8; untrimmed 55/20.
      const p = tf.tensor3d(
        Array.from({ length: 10 }, (_, i) => i + 1),
        [1, 2, 5],
      );
      const g = tf.zeros([1, 2, 5]) as tf.Tensor3D;
      const m = tf.ones([1, 2, 5]);
      expect(trimmedMaeLoss(p, g, m).dataSync()[0]).toBeCloseTo(1.8, 6);
      expect(trimmedMaeLoss(p, g, m, { gistAsWritten: true }).dataSync()[0]).toBeCloseTo(2.75, 6);
      expect(trimmedMaeLoss(p, g, m, { trim: 0 }).dataSync()[0]).toBeCloseTo(2.75, 6);
    });
  });

  it('keeps the tensor count flat over repeated loss + gradient steps', () => {
    const { prediction, target, mask } = sample(2, 16, 16, 61);
    const step = () =>
      tf
        .tidy(() => {
          tf.grad((p: tf.Tensor) => anyDepthLoss(p as tf.Tensor3D, target, mask))(prediction);
          tf.grad((p: tf.Tensor) => trimmedProcrustesLoss(p as tf.Tensor3D, target, mask))(prediction);
          const t = anyDepthLossTerms(prediction, target, mask, { detachScaleShift: true });
          return t.total;
        })
        .dispose();
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    const t = anyDepthLossTerms(prediction, target, mask);
    tf.dispose([t.total, t.dataLoss, t.gradientLoss, ...t.gradientLossPerScale, t.scale, t.shift, t.alignedPrediction]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([prediction, target, mask]);
  });

  it('rejects bad input with errors that name the tensor and shape', () => {
    tf.tidy(() => {
      const p = tf.zeros([2, 4, 4]) as tf.Tensor3D;
      expect(() => anyDepthLoss(p, tf.zeros([2, 4, 5]) as tf.Tensor3D, tf.ones([2, 4, 4]))).toThrow(
        /target shape \[2,4,5\] does not match prediction shape \[2,4,4\]/,
      );
      expect(() => anyDepthLoss(p, p, tf.ones([2, 4]))).toThrow(/mask shape \[2,4\]/);
      expect(() => computeScaleAndShift(tf.zeros([4, 4]) as unknown as tf.Tensor3D, p, p)).toThrow(/prediction must be \[B, H, W\]/);
      expect(() => mseLoss(tf.zeros([2, 4, 4], 'int32') as tf.Tensor3D, p, p)).toThrow(/must be float32/);
      expect(() => gradientMatchingLoss(p, p, p, { scales: 0 })).toThrow(/scales must be a positive integer/);
      expect(() => mseLoss(p, p, p, { reduction: 'pixel' as 'batch' })).toThrow(/unknown reduction 'pixel'/);
      expect(() => trimmedMaeLoss(p, p, p, { trim: 1 })).toThrow(/trim must be in \[0, 1\)/);
    });
  });

  it('accepts bool, int and float masks alike', () => {
    tf.tidy(() => {
      const { prediction, target, mask } = sample(2, 6, 6, 71);
      const ref = anyDepthLoss(prediction, target, mask).dataSync()[0];
      expect(anyDepthLoss(prediction, target, tf.cast(mask, 'bool')).dataSync()[0]).toBe(ref);
      expect(anyDepthLoss(prediction, target, tf.cast(mask, 'float32')).dataSync()[0]).toBe(ref);
    });
  });
});
