import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@anydepth/core';
import { registerGradients, setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  applyAugmentation,
  clipByGlobalNorm,
  constantDisparityBaseline,
  disparityTarget,
  drawAugmentation,
  learningRateAt,
  proceduralSource,
  trainingChartPng,
  type TrainSample,
} from '../src/index.js';
import { axisTicks, formatTick } from '../src/chart.js';
import { decodePng } from '@anydepth/datasets';

beforeAll(async () => {
  await setBackend('cpu');
  await registerGradients();
});

describe('learning-rate schedule', () => {
  it('warms up linearly, then decays with poly 0.9 to 0', () => {
    const o = { baseLr: 1e-3, warmupSteps: 4, totalSteps: 14, power: 0.9 };
    expect(learningRateAt(0, o)).toBeCloseTo(0.25e-3, 15);
    expect(learningRateAt(3, o)).toBeCloseTo(1e-3, 15);
    expect(learningRateAt(4, o)).toBeCloseTo(1e-3, 15);
    expect(learningRateAt(9, o)).toBeCloseTo(1e-3 * Math.pow(0.5, 0.9), 15);
    expect(learningRateAt(14, o)).toBe(0);
  });
});

describe('AdamW', () => {
  it('matches a hand-computed torch.optim.AdamW for two steps (decoupled weight decay)', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW([['p', p]], { weightDecay: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const grads = [
      [0.5, -1],
      [0.25, 2],
    ];
    const lr = 0.01;
    // reference in float64
    let x = [1, -2];
    let m = [0, 0];
    let v = [0, 0];
    for (let t = 1; t <= 2; t++) {
      const g = grads[t - 1];
      x = x.map((xi) => xi * (1 - lr * 0.1));
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] * g[i]);
      const mh = m.map((mi) => mi / (1 - 0.9 ** t));
      const vh = v.map((vi) => vi / (1 - 0.999 ** t));
      x = x.map((xi, i) => xi - (lr * mh[i]) / (Math.sqrt(vh[i]) + 1e-8));
      const gt = tf.tensor1d(g);
      opt.step({ p: gt }, lr);
      gt.dispose();
    }
    const got = p.dataSync();
    expect(Math.abs(got[0] - x[0])).toBeLessThan(1e-6);
    expect(Math.abs(got[1] - x[1])).toBeLessThan(1e-6);
    const state = opt.getState();
    expect(state.step).toBe(2);
    expect(Math.abs(state.m.p[0] - m[0])).toBeLessThan(1e-7);
    // state round trip
    const q = tf.variable(tf.tensor1d([1, -2]));
    const opt2 = new AdamW([['p', q]], { weightDecay: 0.1 });
    opt2.setState(state);
    expect(opt2.stepCount).toBe(2);
    expect(() => opt2.setState({ step: 1, m: {}, v: {} })).toThrow(/no 'm' moment for parameter 'p'/);
    opt.dispose();
    opt2.dispose();
    tf.dispose([p, q]);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients by maxNorm / norm when the joint norm is larger, and leaves them otherwise', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // norm 5
    const same = clipByGlobalNorm(grads, 10);
    expect(same.norm).toBeCloseTo(5, 5);
    expect(same.grads).toBe(grads);
    const clipped = clipByGlobalNorm(grads, 1);
    expect(Array.from(clipped.grads.a.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(clipped.grads.b.dataSync())[1]).toBeCloseTo(0.8, 5);
    tf.dispose(Object.values(clipped.grads));
  });
});

function ramp(W: number, H: number): TrainSample {
  const rgb = new Uint8Array(W * H * 3);
  const depth = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      depth[y * W + x] = 1 + x + 10 * y;
      rgb[(y * W + x) * 3] = x * 10;
      rgb[(y * W + x) * 3 + 1] = y * 10;
    }
  }
  return { id: 'ramp', width: W, height: H, rgb, depth };
}

describe('augmentation', () => {
  it('flips image, depth and mask together', () => {
    const s = ramp(6, 4);
    const f = applyAugmentation(s, { flip: true, degrees: 0 });
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 6; x++) {
        expect(f.depth[y * 6 + x]).toBe(s.depth[y * 6 + (5 - x)]);
        expect(f.rgb[(y * 6 + x) * 3]).toBe(s.rgb[(y * 6 + 5 - x) * 3]);
        expect(f.valid![y * 6 + x]).toBe(1);
      }
    }
  });

  it('rotates by 90° exactly on a square image (pixel (x, y) ← source rotated about the centre)', () => {
    const s = ramp(4, 4);
    const r = applyAugmentation(s, { flip: false, degrees: 90 });
    // sx = c·px − s·py + cx with c = 0, s = 1 → sx = −py + 2, sy = px + 2 (pixel-centre coordinates)
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const sx = Math.floor(-(y + 0.5 - 2) + 2 + 1e-9);
        const sy = Math.floor(x + 0.5 - 2 + 2);
        expect(r.depth[y * 4 + x]).toBe(s.depth[sy * 4 + sx]);
      }
    }
  });

  it('marks pixels rotated in from outside the image invalid and keeps depth values unmixed', () => {
    const s = ramp(32, 32);
    const r = applyAugmentation(s, { flip: false, degrees: 10 });
    expect(r.valid![0]).toBe(0); // a corner comes from outside
    expect(r.valid![16 * 32 + 16]).toBe(1);
    const values = new Set(Array.from(s.depth));
    for (let i = 0; i < r.depth.length; i++) if (r.valid![i]) expect(values.has(r.depth[i])).toBe(true);
  });

  it('draws from the rng deterministically, with discrete angles when asked', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    for (let i = 0; i < 20; i++) {
      const x = drawAugmentation(a, { rotationDegrees: 6, rotationSteps: 3 });
      expect(x).toEqual(drawAugmentation(b, { rotationDegrees: 6, rotationSteps: 3 }));
      expect([-6, 0, 6]).toContain(x.degrees);
    }
  });
});

describe('training target', () => {
  it('is min–max normalised disparity on valid pixels, 0 with mask 0 elsewhere', () => {
    const s: TrainSample = { id: 't', width: 4, height: 1, rgb: new Uint8Array(12), depth: Float32Array.of(1, 2, 4, 0) };
    const { target, mask } = disparityTarget(s);
    // disparities 1, 0.5, 0.25 → (d − 0.25) / 0.75
    expect(Array.from(mask)).toEqual([1, 1, 1, 0]);
    expect(target[0]).toBeCloseTo(1, 6);
    expect(target[1]).toBeCloseTo(1 / 3, 6);
    expect(target[2]).toBe(0);
    expect(target[3]).toBe(0);
  });
});

describe('constant-disparity baseline and chart', () => {
  it('scores the best constant disparity per image', async () => {
    const r = await constantDisparityBaseline(proceduralSource({ count: 3, width: 32, height: 32 }));
    expect(r.images).toBe(3);
    expect(r.metrics.absRel).toBeGreaterThan(0.05);
    expect(r.metrics.delta1).toBeLessThan(1);
  });

  it('draws a PNG of the curves with axes, tick labels and titles', () => {
    const png = trainingChartPng([
      { type: 'train', step: 1, loss: 1, lr: 1e-4 },
      { type: 'train', step: 2, loss: 0.5, lr: 2e-4 },
      { type: 'val', step: 2, absRel: 0.2 },
    ]);
    const { width, height, channels, data } = decodePng(png);
    expect([width, height, channels]).toEqual([960, 300, 3]);
    const pixel = (x: number, y: number) => Array.from(data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    const inkIn = (x0: number, x1: number, y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pixel(x, y)[0] < 100) n++;
      return n;
    };
    // Each of the three 320-px panels: a y axis at x = panel + 42 from the title band down to the x axis.
    for (const panel of [0, 320, 640]) {
      expect(pixel(panel + 42, 150)).toEqual([90, 90, 90]);
      expect(inkIn(panel, panel + 36, 20, 260), 'y tick labels left of the axis').toBeGreaterThan(20);
      expect(inkIn(panel + 42, panel + 316, 268, 282), 'x tick labels under the axis').toBeGreaterThan(20);
      expect(inkIn(panel, panel + 320, 6, 13), 'title').toBeGreaterThan(40);
      expect(inkIn(panel, panel + 320, 287, 294), 'x-axis label').toBeGreaterThan(10);
    }
  });

  it('picks round ticks and short labels', () => {
    expect(axisTicks(1, 2)).toEqual([1, 1.2, 1.4, 1.6, 1.8, 2]);
    expect(axisTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(axisTicks(0, 1300)).toEqual([0, 500, 1000]);
    expect(axisTicks(-0.3, 0.9)).toEqual([-0.2, 0, 0.2, 0.4, 0.6, 0.8]);
    expect(axisTicks(0.01, 1, true)).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
    expect(axisTicks(1e-6, 1, true)).toEqual([1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1]);
    expect([0, 0.25, 1.5, 1200, 2e-4, 1e-3, 25000].map(formatTick)).toEqual(['0', '0.25', '1.5', '1200', '2E-4', '1E-3', '2.5E4']);
  });
});
