import * as tf from '@tensorflow/tfjs-core';
import { registerGradients, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registerInferenceKernels,
  registerTrainingKernels,
  unregisterInferenceKernels,
  unregisterTrainingKernels,
  winogradFilterGrad,
  winogradFilterGradFits,
  WinogradPool,
  winogradState,
} from '../src/index.js';
import { ASYMMETRIC_PAD, type ConvCase, randomValues, relError } from './helpers.js';

interface Case extends ConvCase {
  strides?: number;
  kernel?: number;
  /** Whether the Winograd path takes it (else the im2col kernel does). */
  winograd: boolean;
}

const cases: Case[] = [
  { name: "odd H/W (partial tiles), 'same'", x: [1, 13, 11, 32], cout: 32, pad: 'same', winograd: true },
  { name: "batch 2, 'valid', 48 → 40 channels", x: [2, 10, 9, 48], cout: 40, pad: 'valid', winograd: true },
  {
    name: 'explicit asymmetric padding',
    x: [1, 9, 17, 36],
    cout: 64,
    pad: ASYMMETRIC_PAD,
    winograd: true,
  },
  { name: '256 channels, 8 × 12', x: [1, 8, 12, 256], cout: 256, pad: 1, winograd: true },
  { name: 'stride 2 (im2col)', x: [1, 12, 12, 32], cout: 32, pad: 'same', strides: 2, winograd: false },
  { name: '1×1 (im2col)', x: [1, 12, 12, 32], cout: 32, pad: 'same', kernel: 1, winograd: false },
  { name: 'Cout 12, not a multiple of 8 (im2col)', x: [1, 12, 12, 32], cout: 12, pad: 'same', winograd: false },
];

/** ∂/∂W of Σ conv(x, W) ⊙ r (so the kernel gets dy = r): the gradient the training step asks for. */
function filterGradient(c: Case, seed: number): Float32Array {
  return tf.tidy(() => {
    const k = c.kernel ?? 3;
    const cin = c.x[3];
    const x = tf.tensor4d(randomValues(c.x[0] * c.x[1] * c.x[2] * cin, seed), c.x);
    const w = tf.tensor4d(randomValues(k * k * cin * c.cout, seed + 1), [k, k, cin, c.cout]);
    const f = (filter: tf.Tensor4D) => tf.conv2d(x, filter, c.strides ?? 1, c.pad);
    const shape = f(w).shape;
    const r = tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed + 2), shape);
    return tf
      .grad((filter: tf.Tensor) => tf.sum(tf.mul(f(filter as tf.Tensor4D), r)))(w)
      .dataSync() as Float32Array;
  });
}

let reference: Float32Array[] = [];

beforeAll(async () => {
  await registerGradients();
  await setBackend('cpu');
  reference = cases.map((c, i) => filterGradient(c, 100 * i));
  await setBackend('wasm');
  registerTrainingKernels({ backends: ['wasm'] });
});

afterAll(() => {
  unregisterInferenceKernels();
  unregisterTrainingKernels();
});

describe('Conv2DBackpropFilter by the adjoint of Winograd F(4×4, 3×3)', () => {
  for (const [threads, fma] of [
    [1, false],
    [2, true],
  ] as const) {
    it(`matches the cpu backend's filter gradient within 1e-4 of max |dW| on ${threads} thread(s), ${fma ? 'FMA' : 'plain SIMD'}; other convs keep the im2col kernel`, async () => {
      await registerInferenceKernels({ threads, fma });
      await setBackend('wasm');
      for (const [i, c] of cases.entries()) {
        const calls = winogradState.filterGradCalls;
        const got = filterGradient(c, 100 * i);
        expect(winogradState.filterGradCalls - calls, `${c.name}: Winograd path`).toBe(c.winograd ? 1 : 0);
        const err = relError(got, reference[i]);
        console.info(`filter gradient ${threads} thread(s)${fma ? ' FMA' : ''}, ${c.name}: max |Δ| / max |dW| = ${err.toExponential(2)}`);
        expect(err, c.name).toBeLessThan(1e-4);
      }
    });
  }

  it('without the Winograd pool the im2col kernel runs, with the same result', async () => {
    unregisterInferenceKernels();
    const calls = winogradState.filterGradCalls;
    const got = filterGradient(cases[0], 0);
    expect(winogradState.filterGradCalls).toBe(calls);
    expect(relError(got, reference[0])).toBeLessThan(1e-4);
  });

  it('keeps tf.memory().numTensors flat over repeated gradients', async () => {
    await registerInferenceKernels({ threads: 2 });
    const first = filterGradient(cases[0], 0);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) expect(filterGradient(cases[0], 0)).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same gradient in bands of 4 output rows (halos, padding and accumulation across bands)', async () => {
    const pool = await WinogradPool.create(2);
    if (!pool) throw new Error('WebAssembly SIMD with shared memory is expected in Node');
    const [n, h, w, cin, cout] = [2, 18, 13, 16, 24];
    const args = { x: randomValues(n * h * w * cin, 5), dy: randomValues(n * h * w * cout, 6), n, h, w, cin, cout, padTop: 1, padLeft: 1, outH: h, outW: w };
    const whole = winogradFilterGrad(pool, args);
    const banded = winogradFilterGrad(pool, { ...args, bandBytes: 1 });
    // Bands regroup the tiles into blocks and threads take blocks in whatever order they come, so the float32 sums
    // run in another order: equal to float32 rounding over ~600 tiles, not bit for bit (1e-6 failed once at 5.9e-6).
    expect(relError(banded, whole)).toBeLessThan(2e-5);
    expect(whole.length).toBe(9 * cin * cout);
    expect(() => winogradFilterGrad(pool, { ...args, cout: 12, dy: new Float32Array(n * h * w * 12) })).toThrow(/Cout % 8 = 0, got 16 → 12/);
    expect(() => winogradFilterGrad(pool, { ...args, dy: new Float32Array(5) })).toThrow(/dy has 5 values, expected \[2, 18, 13, 24\]/);
    // 4096 channels: each thread's accumulator alone would be 2.4 GB, past the pool's memory; the kernel then uses im2col
    expect(winogradFilterGradFits(pool, { w: 16, cin: 4096, cout: 4096, outW: 16, outH: 16 })).toBe(false);
    expect(winogradFilterGradFits(pool, { w: 256, cin: 256, cout: 256, outW: 256, outH: 256 })).toBe(true);
    pool.dispose();
  });
});
