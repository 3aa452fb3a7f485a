import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { compareClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnSumModuleFor, registerTrainingKernels, unregisterTrainingKernels } from '../src/index.js';
import { compileWat } from '../../../scripts/build-wasm.mjs';
import { columnSumUnsharedWasmBase64 } from '../src/wasm/column-sum-unshared-wasm.js';
import { columnSumWasmBase64 } from '../src/wasm/column-sum-wasm.js';
import { randomValues } from './helpers.js';

const TOL = { atol: 1e-5, rtol: 1e-5 };

type Reduce = (x: tf.Tensor) => tf.Tensor;
interface Case {
  name: string;
  shape: number[];
  f: Reduce;
}

const cases: Case[] = [
  { name: 'sum over N, H, W (BatchNorm statistics)', shape: [2, 5, 7, 8], f: (x) => tf.sum(x, [0, 1, 2]) },
  { name: 'mean over N, H, W, keepDims', shape: [2, 5, 7, 8], f: (x) => tf.mean(x, [0, 1, 2], true) },
  { name: 'sum, negative and unsorted axes', shape: [3, 4, 6], f: (x) => tf.sum(x, [-2, -3]) },
  { name: 'mean of a matrix over rows (axis 0 as a number)', shape: [37, 5], f: (x) => tf.mean(x, 0) },
  { name: 'sum over N, H, W of 256 channels (SIMD)', shape: [2, 9, 11, 256], f: (x) => tf.sum(x, [0, 1, 2]) },
  { name: 'mean over rows of 6 columns (not a multiple of 4: the JavaScript loop)', shape: [50, 6], f: (x) => tf.mean(x, 0) },
  // not the pattern: the stock kernels run, with the same results
  { name: 'sum over the last axis (stock)', shape: [2, 5, 7], f: (x) => tf.sum(x, -1) },
  { name: 'mean over H, W only (stock)', shape: [2, 5, 7, 3], f: (x) => tf.mean(x, [1, 2]) },
  { name: 'sum of everything (stock)', shape: [4, 6], f: (x) => tf.sum(x) },
];

let reference: Float32Array[];

beforeAll(async () => {
  await registerGradients();
  await setBackend('cpu');
  reference = cases.map((c, i) =>
    tf.tidy(
      () =>
        c
          .f(
            tf.tensor(
              randomValues(
                c.shape.reduce((a, b) => a * b),
                40 + i,
              ),
              c.shape,
            ),
          )
          .dataSync() as Float32Array,
    ),
  );
  await setBackend('wasm');
  registerTrainingKernels({ backends: ['wasm'] });
});

afterAll(() => unregisterTrainingKernels());

describe('wasm Sum / Mean over all but the last axis in one pass over the rows', () => {
  it.each(cases.map((c, i) => ({ ...c, i })))('$name', ({ shape, f, i, name }) => {
    const got = tf.tidy(() => {
      const y = f(
        tf.tensor(
          randomValues(
            shape.reduce((a, b) => a * b),
            40 + i,
          ),
          shape,
        ),
      );
      return { values: y.dataSync() as Float32Array, shape: y.shape };
    });
    const want = tf.tidy(() => f(tf.zeros(shape)).shape);
    expect(got.shape).toEqual(want);
    const r = compareClose(got.values, reference[i], { ...TOL, label: name });
    expect(r.ok, r.message).toBe(true);
  });

  it('embeds the compiled column-sum.wat, shared and unshared (run `npm run wasm` after editing it)', async () => {
    const wat = readFileSync(new URL('../src/wasm/column-sum.wat', import.meta.url), 'utf8');
    expect(Buffer.from(await compileWat('column-sum.wat', wat)).toString('base64')).toBe(columnSumWasmBase64);
    expect(Buffer.from(await compileWat('column-sum.wat', wat, { unshared: true })).toString('base64')).toBe(columnSumUnsharedWasmBase64);
  });

  it('accumulates in float64: 400 000 rows of 0.1 sum to 40 000 (a float32 running sum drifts by about 20)', () => {
    const memory = (tf.backend() as unknown as { wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } } }).wasm;
    expect(columnSumModuleFor((memory.wasmMemory ?? memory.asm?.memory)!)).not.toBeNull();
    const rows = 400_000;
    const got = tf.tidy(() => tf.sum(tf.fill([rows, 8], 0.1), 0).dataSync());
    let f32 = 0;
    for (let i = 0; i < rows; i++) f32 = Math.fround(f32 + Math.fround(0.1));
    expect(Math.abs(f32 - 40_000)).toBeGreaterThan(10);
    for (const v of got) expect(v).toBeCloseTo(Math.fround(0.1) * rows, 2);
  });

  it('int32 sums stay on the stock kernel; gradients through a per-channel scale match; tensors stay flat', () => {
    expect(Array.from(tf.tidy(() => tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), 0).dataSync()))).toEqual([4, 6]);
    const x = tf.tensor4d(randomValues(2 * 4 * 4 * 3, 9), [2, 4, 4, 3]);
    const scale = tf.tensor1d([0.5, -1, 2]);
    // d/dscale Σ (x·scale)² = Σ_{N,H,W} 2·x²·scale: the broadcast gradient reduces over N, H, W.
    const g = tf.tidy(() =>
      tf
        .grad((s: tf.Tensor) => tf.sum(tf.square(tf.mul(x, s))))(scale)
        .dataSync(),
    );
    const want = tf.tidy(() => tf.mul(tf.sum(tf.mul(tf.square(x), 2), [0, 1, 2]), scale).dataSync());
    expect(compareClose(g, want, TOL).ok).toBe(true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.mean(x, [0, 1, 2]).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, scale]);
  });
});
