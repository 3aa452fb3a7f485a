import * as tf from '@tensorflow/tfjs-core';
import { registerGradients, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchMatMulWasmConfig, registerTrainingKernels, unregisterTrainingKernels } from '../src/index.js';
import { randomValues, relError } from './helpers.js';

interface Case {
  name: string;
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

const cases: Case[] = [
  { name: 'Aᵀ·B, Aᵀ the smaller copy', a: [40, 24], b: [40, 56], ta: true, tb: false },
  { name: 'Aᵀ·B, Bᵀ and the result the smaller copies (a Linear’s dW over many rows)', a: [300, 64], b: [300, 8], ta: true, tb: false },
  { name: 'A·Bᵀ (a Linear’s dx)', a: [50, 8], b: [64, 8], ta: false, tb: true },
  { name: 'Aᵀ·Bᵀ', a: [12, 30], b: [20, 12], ta: true, tb: true },
  { name: 'rank 3, batch 1, A·Bᵀ', a: [1, 33, 16], b: [1, 17, 16], ta: false, tb: true },
  { name: 'batch 6 (attention heads), A·Bᵀ', a: [2, 3, 20, 8], b: [2, 3, 24, 8], ta: false, tb: true },
  { name: 'batch 4, plain', a: [4, 10, 12], b: [4, 12, 9], ta: false, tb: false },
  { name: 'batch 3 against one shared matrix, Aᵀ·B', a: [3, 14, 10], b: [14, 6], ta: true, tb: false },
  { name: 'one matrix against batch 5, A·Bᵀ', a: [1, 9, 7], b: [5, 11, 7], ta: false, tb: true },
  { name: 'batch [2, 1] against [1, 3] (partial broadcast: the stock kernel)', a: [2, 1, 5, 4], b: [1, 3, 4, 6], ta: false, tb: false },
];

const matMul = (c: Case, seed: number) =>
  tf.tidy(() => {
    const a = tf.tensor(randomValues(tf.util.sizeFromShape(c.a), seed), c.a);
    const b = tf.tensor(randomValues(tf.util.sizeFromShape(c.b), seed + 1), c.b);
    const y = tf.matMul(a, b, c.ta, c.tb);
    return { shape: y.shape, values: y.dataSync() as Float32Array };
  });

let reference: { shape: number[]; values: Float32Array }[] = [];

beforeAll(async () => {
  await registerGradients();
  await setBackend('cpu');
  reference = cases.map((c, i) => matMul(c, 10 * i));
  await setBackend('wasm');
  registerTrainingKernels({ backends: ['wasm'] });
});

afterAll(() => unregisterTrainingKernels());

describe('BatchMatMul (wasm): transposes and batches through XNNPACK', () => {
  it.each(cases.map((c, i) => [c.name, i] as const))('%s matches the cpu backend within 1e-5', (_, i) => {
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc).toBe(batchMatMulWasmConfig.kernelFunc);
    const got = matMul(cases[i], 10 * i);
    expect(got.shape).toEqual(reference[i].shape);
    expect(relError(got.values, reference[i].values)).toBeLessThan(1e-5);
  });

  it('keeps tf.memory().numTensors flat and gives a Linear the same gradients as before', () => {
    const x = tf.tensor2d(randomValues(200 * 48, 1), [200, 48]);
    const w = tf.tensor2d(randomValues(48 * 16, 2), [48, 16]);
    const grads = () =>
      tf.tidy(() =>
        tf
          .grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.square(tf.matMul(xi, wi))))([x, w])
          .map((g) => g.dataSync()),
      );
    const first = grads();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) expect(grads()).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
    unregisterTrainingKernels();
    const stock = grads();
    registerTrainingKernels({ backends: ['wasm'] });
    for (const [i, g] of first.entries()) for (let j = 0; j < g.length; j++) expect(g[j]).toBeCloseTo(stock[i][j], 3);
    tf.dispose([x, w]);
  });

  it('mismatched inner sizes keep the stock error', () => {
    expect(() => tf.matMul(tf.ones([3, 4]), tf.ones([5, 6]))).toThrow(/inner shapes \(4\) and \(5\)/);
  });
});
