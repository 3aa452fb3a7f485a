import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { originalKernel, registerTrainingKernels, unsortedSegmentSumCpuConfig } from '../src/index.js';
import { type HostInput, randomValues, runOn } from './helpers.js';

interface SegCase {
  name: string;
  x: HostInput;
  ids: HostInput;
  numSegments: number;
}

function ids(n: number, numSegments: number, seed: number, shape: number[] = [n], outOfRange = false): HostInput {
  const r = randomValues(n, seed);
  const v = Int32Array.from(r, (u, i) => (outOfRange && i % 7 === 3 ? (i % 2 ? -1 : numSegments + 2) : Math.floor(((u + 1) / 2) * numSegments)));
  return { values: v, shape, dtype: 'int32' };
}

const cases: SegCase[] = [
  { name: 'rows of 8, 1-D ids', x: { values: randomValues(50 * 8, 1), shape: [50, 8] }, ids: ids(50, 13, 2), numSegments: 13 },
  { name: 'scalar rows', x: { values: randomValues(64, 3), shape: [64] }, ids: ids(64, 5, 4), numSegments: 5 },
  { name: '2-D ids, inner [3, 4]', x: { values: randomValues(6 * 5 * 12, 5), shape: [6, 5, 3, 4] }, ids: ids(30, 9, 6, [6, 5]), numSegments: 9 },
  { name: 'ids out of range are dropped', x: { values: randomValues(40 * 3, 7), shape: [40, 3] }, ids: ids(40, 6, 8, [40], true), numSegments: 6 },
  { name: 'more segments than rows (empty segments are zero)', x: { values: randomValues(10 * 2, 9), shape: [10, 2] }, ids: ids(10, 25, 10), numSegments: 25 },
  {
    name: 'int32 values',
    x: { values: Int32Array.from(randomValues(30 * 4, 11), (u) => Math.round(u * 100)), shape: [30, 4], dtype: 'int32' },
    ids: ids(30, 7, 12),
    numSegments: 7,
  },
  {
    name: 'large sums (2000 rows into 3 segments)',
    x: { values: randomValues(2000 * 16, 13).map((v) => v * 1000), shape: [2000, 16] },
    ids: ids(2000, 3, 14),
    numSegments: 3,
  },
];

/**
 * Reference results from the stock cpu kernel, computed before this package's kernels are registered. The stock
 * kernel mis-broadcasts multi-dimensional ids, so the reference gets them flattened (x reshaped to match).
 */
const reference = new Map<string, { values: Float32Array; shape: number[] }>();

beforeAll(async () => {
  await setBackend('wasm');
  await setBackend('cpu');
  for (const c of cases) {
    const n = c.ids.values.length;
    const x = { ...c.x, shape: [n, ...c.x.shape.slice(c.ids.shape.length)] };
    const flatIds = { ...c.ids, shape: [n] };
    reference.set(c.name, await runOn('cpu', 'UnsortedSegmentSum', { x, segmentIds: flatIds }, { numSegments: c.numSegments }));
  }
  registerTrainingKernels();
});

describe('UnsortedSegmentSum vs the stock cpu kernel', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it.each(cases)(`${backend}: $name`, async (c) => {
      const ref = reference.get(c.name)!;
      const got = await runOn(backend, 'UnsortedSegmentSum', { x: c.x, segmentIds: c.ids }, { numSegments: c.numSegments });
      expect(got.shape).toEqual(ref.shape);
      const r = compareClose(got.values, ref.values, { atol: 1e-4, rtol: 1e-5, label: c.name });
      expect(r.ok, r.message).toBe(true);
    });
  }

  it('keeps the int32 dtype', async () => {
    await setBackend('wasm');
    const out = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([0, 1, 0], 'int32'), 2);
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([4, 2]);
    out.dispose();
  });

  it('gives the gather gradient on cpu (4096 rows into 2048 segments)', async () => {
    await registerGradients();
    await setBackend('cpu');
    const table = tf.variable(tf.randomNormal([2048, 32], 0, 1, 'float32', 1));
    const index = tf.tensor1d(
      Array.from({ length: 4096 }, (_, i) => (i * 7919) % 2048),
      'int32',
    );
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.gather(table, index))), [table]);
    const g = grads[table.name];
    // d/dT Σ gather(T)² = 2·T·(times each row is gathered) = 4·T here (every row is gathered twice).
    const r = compareClose(g.dataSync(), tf.tidy(() => tf.mul(table, 4)).dataSync(), { atol: 1e-5, rtol: 1e-6 });
    expect(r.ok, r.message).toBe(true);
    tf.dispose([table, index, g]);
  });

  it('is at least 10x faster than the stock cpu kernel (1024 x 16 into 32 segments)', async () => {
    await setBackend('cpu');
    const backend = tf.backend();
    const x = tf.randomNormal([1024, 16], 0, 1, 'float32', 2);
    const segmentIds = tf.tensor1d(
      Array.from({ length: 1024 }, (_, i) => (i * 7919) % 32),
      'int32',
    );
    const time = (kernel: tf.KernelConfig) => {
      const t0 = performance.now();
      const out = kernel.kernelFunc({ inputs: { x, segmentIds }, backend, attrs: { numSegments: 32 } }) as tf.TensorInfo;
      const ms = performance.now() - t0;
      const values = Float32Array.from(backend.readSync(out.dataId) as Float32Array);
      backend.disposeData(out.dataId);
      return { ms, values };
    };
    const stock = time(originalKernel('UnsortedSegmentSum', 'cpu')!);
    time(unsortedSegmentSumCpuConfig);
    const ours = time(unsortedSegmentSumCpuConfig);
    console.log(`UnsortedSegmentSum cpu 1024x16 -> 32: stock ${stock.ms.toFixed(1)} ms, single-pass ${ours.ms.toFixed(2)} ms`);
    const r = compareClose(ours.values, stock.values, { atol: 1e-4, rtol: 1e-5 });
    expect(r.ok, r.message).toBe(true);
    expect(ours.ms * 10).toBeLessThan(stock.ms);
    tf.dispose([x, segmentIds]);
  });
});
