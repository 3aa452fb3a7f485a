import * as tf from '@tensorflow/tfjs-core';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { describe, expect, it } from 'vitest';
import { Conv2d, ConvTranspose2d, LayerNorm, Linear, Rng, gelu } from '../src/index.js';
import { withoutInitialisation } from '../src/internal.js';

/** Direct PyTorch-definition convolution on NCHW-indexed host arrays (weights in OIHW), for reference. */
function naiveConv(
  x: Float32Array,
  [B, H, W, C]: number[],
  w: Float32Array,
  [O, Ig, kh, kw]: number[],
  { stride = 1, pad = 0, dil = 1, groups = 1 } = {},
): { out: Float32Array; shape: number[] } {
  const Ho = Math.floor((H + 2 * pad - dil * (kh - 1) - 1) / stride) + 1;
  const Wo = Math.floor((W + 2 * pad - dil * (kw - 1) - 1) / stride) + 1;
  const out = new Float32Array(B * Ho * Wo * O);
  const Og = O / groups;
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let o = 0; o < O; o++) {
          const g = Math.floor(o / Og);
          let s = 0;
          for (let i = 0; i < Ig; i++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * stride - pad + ky * dil;
                const ix = ox * stride - pad + kx * dil;
                if (iy < 0 || ix < 0 || iy >= H || ix >= W) continue;
                s += x[((b * H + iy) * W + ix) * C + g * Ig + i] * w[((o * Ig + i) * kh + ky) * kw + kx];
              }
          out[((b * Ho + oy) * Wo + ox) * O + o] = s;
        }
  return { out, shape: [B, Ho, Wo, O] };
}

/** PyTorch ConvTranspose2d by scattering, weights [I, O, kh, kw]. */
function naiveConvTranspose(x: Float32Array, [B, H, W, I]: number[], w: Float32Array, [, O, kh, kw]: number[], stride: number, pad: number, outPad: number) {
  const Ho = (H - 1) * stride - 2 * pad + kh + outPad;
  const Wo = (W - 1) * stride - 2 * pad + kw + outPad;
  const out = new Float32Array(B * Ho * Wo * O);
  for (let b = 0; b < B; b++)
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++)
        for (let i = 0; i < I; i++)
          for (let o = 0; o < O; o++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const oy = y * stride - pad + ky;
                const ox = xx * stride - pad + kx;
                if (oy < 0 || ox < 0 || oy >= Ho || ox >= Wo) continue;
                out[((b * Ho + oy) * Wo + ox) * O + o] += x[((b * H + y) * W + xx) * I + i] * w[((i * O + o) * kh + ky) * kw + kx];
              }
  return { out, shape: [B, Ho, Wo, O] };
}

/** erf to ~1e-15 by its Maclaurin series / continued fraction, independent of tfjs. */
function erfPrecise(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`layers on ${backend}`, () => {
    it('sets the backend', async () => {
      await setBackend(backend);
      expect(tf.getBackend()).toBe(backend);
    });

    const convCases = [
      { name: '3x3 pad 1', I: 4, O: 6, k: 3, stride: 1, pad: 1, dil: 1, groups: 1 },
      { name: 'stride 2', I: 3, O: 5, k: 3, stride: 2, pad: 1, dil: 1, groups: 1 },
      { name: 'dilation 2', I: 2, O: 3, k: 3, stride: 1, pad: 2, dil: 2, groups: 1 },
      { name: 'groups 2', I: 4, O: 6, k: 3, stride: 1, pad: 1, dil: 1, groups: 2 },
      { name: 'depthwise', I: 6, O: 6, k: 3, stride: 1, pad: 1, dil: 1, groups: 6 },
      { name: 'depthwise multiplier 2', I: 3, O: 6, k: 3, stride: 1, pad: 0, dil: 1, groups: 3 },
      { name: 'patch embed 4/4', I: 3, O: 8, k: 4, stride: 4, pad: 0, dil: 1, groups: 1 },
    ];
    it.each(convCases)('Conv2d $name matches the PyTorch definition', ({ I, O, k, stride, pad, dil, groups }) => {
      const rng = new Rng(3);
      const xShape = [2, 9, 8, I];
      const x = rng.normalArray(2 * 9 * 8 * I, 0, 1);
      const wShape = [O, I / groups, k, k];
      const w = rng.normalArray(O * (I / groups) * k * k, 0, 1);
      const bias = rng.normalArray(O, 0, 1);
      const conv = new Conv2d(I, O, k, { stride, padding: pad, dilation: dil, groups });
      conv.loadStateDict({ weight: tf.tensor(w, wShape), bias: tf.tensor(bias) });
      const y = conv.forward(tf.tensor(x, xShape));
      const ref = naiveConv(x, xShape, w, wShape, { stride, pad, dil, groups });
      expect(y.shape).toEqual(ref.shape);
      const withBias = ref.out.map((v, i) => v + bias[i % O]);
      expectClose(y.dataSync(), withBias, { atol: 1e-4, label: 'conv' });
      y.dispose();
      conv.dispose();
    });

    it.each([
      { k: 4, stride: 4, pad: 0, outPad: 0 },
      { k: 2, stride: 2, pad: 0, outPad: 0 },
      { k: 3, stride: 2, pad: 1, outPad: 1 },
    ])('ConvTranspose2d k$k s$stride p$pad op$outPad matches the PyTorch definition', ({ k, stride, pad, outPad }) => {
      const rng = new Rng(4);
      const xShape = [1, 3, 4, 5];
      const x = rng.normalArray(60, 0, 1);
      const wShape = [5, 2, k, k];
      const w = rng.normalArray(5 * 2 * k * k, 0, 1);
      const ct = new ConvTranspose2d(5, 2, k, { stride, padding: pad, outputPadding: outPad, bias: false });
      ct.loadStateDict({ weight: tf.tensor(w, wShape) });
      const y = ct.forward(tf.tensor(x, xShape));
      const ref = naiveConvTranspose(x, xShape, w, wShape, stride, pad, outPad);
      expect(y.shape).toEqual(ref.shape);
      expectClose(y.dataSync(), ref.out, { atol: 1e-4, label: 'convT' });
    });

    it('LayerNorm normalises the last axis with eps 1e-5', () => {
      const ln = new LayerNorm(4);
      ln.loadStateDict({ weight: tf.tensor([1, 2, 3, 4]), bias: tf.tensor([0, 0, 0, 1]) });
      const y = ln.forward(tf.tensor([[1, 2, 3, 4]])).dataSync();
      const mean = 2.5;
      const inv = 1 / Math.sqrt(1.25 + 1e-5);
      expectClose(
        y,
        [1, 2, 3, 4].map((v, i) => (v - mean) * inv * (i + 1) + (i === 3 ? 1 : 0)),
        { atol: 1e-5 },
      );
    });

    it('GELU is the exact erf form', () => {
      const xs = Array.from({ length: 81 }, (_, i) => -8 + i * 0.2);
      const y = gelu(tf.tensor(xs)).dataSync();
      const ref = xs.map((v) => 0.5 * v * (1 + erfPrecise(v / Math.SQRT2)));
      expectClose(y, ref, { atol: 2e-6, label: 'gelu' });
      // tanh approximation differs by up to ~5e-4 near |x|≈2: make sure we are not using it.
      const tanhApprox = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
      expect(Math.abs(y[50] - tanhApprox(xs[50]))).toBeGreaterThan(1e-5);
    });
  });
}

describe('withoutInitialisation', () => {
  it('builds layers with zero parameters and leaves the random generator where it was', () => {
    const rng = new Rng(5);
    const before = rng.getState();
    const conv = withoutInitialisation(() => new Conv2d(3, 4, 3, { rng }));
    expect(rng.getState()).toEqual(before);
    expect(Array.from(conv.weight.dataSync()).every((v) => v === 0)).toBe(true);
    conv.dispose();
    const seeded = new Linear(3, 2, { rng });
    expect(Array.from(seeded.weight.dataSync()).some((v) => v !== 0)).toBe(true); // initialisation is back on afterwards
    seeded.dispose();
    expect(() =>
      withoutInitialisation(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    const after = new Linear(3, 2, { rng });
    expect(Array.from(after.weight.dataSync()).some((v) => v !== 0)).toBe(true); // and after a throw
    after.dispose();
  });
});
