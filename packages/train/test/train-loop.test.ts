import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { dinov3Config } from '@anydepth/dinov3';
import { registerTrainingKernels } from '@anydepth/kernels';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnyDepthConfig } from '@anydepth/model';
import { createSeededAnyDepth, evaluateModel, proceduralSource, trainAnyDepth, trainingVariables } from '../src/index.js';

/** A very small AnyDepth (D 32, 4 blocks, 1 head, C 8) so that loop-mechanics tests run many steps quickly. */
const microConfig = (): AnyDepthConfig => ({
  encoder: dinov3Config({ embedDim: 32, depth: 4, numHeads: 1, intermediateLayers: [0, 1, 2, 3] }),
  fusionChannels: 8,
  layers: [0, 1, 2, 3],
  norm: true,
  minDepth: 0.001,
});

beforeAll(async () => {
  await setBackend('wasm');
  registerTrainingKernels();
});

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `anydepth-${name}-`));

describe('training loop', () => {
  it('keeps tf.memory().numTensors flat across 50 steps (with validation and checkpoints)', async () => {
    const model = createSeededAnyDepth(microConfig(), 0);
    const counts: number[] = [];
    const result = await trainAnyDepth({
      model,
      train: proceduralSource({ count: 8, width: 32, height: 32 }),
      val: proceduralSource({ count: 2, firstSeed: 500, width: 32, height: 32 }),
      outDir: tmp('leak'),
      epochs: 13,
      batchSize: 2,
      maxSteps: 50,
      validateEvery: 10,
      checkpointEvery: 10,
      clipNorm: 1,
      onProgress: () => counts.push(tf.memory().numTensors),
    });
    expect(result.totalSteps).toBe(50);
    expect(counts).toHaveLength(50);
    // after the first step (which creates the optimiser's moments), the count never changes
    expect(new Set(counts.slice(1)).size).toBe(1);
    const before = tf.memory().numTensors;
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('writes the JSONL log (loss, lr, throughput, validation metrics) and a PNG chart', async () => {
    const out = tmp('log');
    const model = createSeededAnyDepth(microConfig(), 0);
    const heldOut = proceduralSource({ count: 2, firstSeed: 500, width: 32, height: 32 });
    const result = await trainAnyDepth({
      model,
      train: proceduralSource({ count: 4, width: 32, height: 32 }),
      val: heldOut,
      outDir: out,
      epochs: 5,
      batchSize: 2,
      warmupEpochs: 2,
    });
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const train = rows.filter((r) => r.type === 'train');
    const val = rows.filter((r) => r.type === 'val');
    expect(train.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const r of train) {
      expect(Number.isFinite(r.loss) && r.loss > 0).toBe(true);
      expect(r.samplesPerSecond).toBeGreaterThan(0);
    }
    // warm-up over 4 steps (2 epochs × 2 steps), then poly decay to 0 at step 10
    expect(train[0].lr).toBeCloseTo(0.25e-3, 12);
    expect(train[3].lr).toBeCloseTo(1e-3, 12);
    expect(train[9].lr).toBeCloseTo(1e-3 * Math.pow(1 / 6, 0.9), 12);
    expect(val.map((r) => r.step)).toEqual([2, 4, 6, 8, 10]);
    // the last logged validation is the returned one and what evaluating the trained model again gives
    const last = val[val.length - 1];
    expect(result.validation!.metrics.absRel).toBeCloseTo(last.absRel, 9);
    const again = await evaluateModel(model, heldOut);
    expect(again.metrics.absRel).toBeCloseTo(last.absRel, 6);
    expect(again.metrics.delta1).toBeCloseTo(last.delta1, 6);
    for (const r of val) expect(r.absRel > 0 && r.absRel < 1 && r.delta1 >= 0 && r.delta1 <= 1).toBe(true);
    const png = readFileSync(join(out, 'curves.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    model.dispose();
  });

  it('honours augment.rotationSteps with a feature cache: every cached file is one of its n angles', async () => {
    const model = createSeededAnyDepth(microConfig(), 2);
    const outDir = tmp('cache-steps');
    const train = proceduralSource({ count: 4, width: 32, height: 32 });
    await trainAnyDepth({
      model,
      train,
      outDir,
      epochs: 3,
      batchSize: 2,
      seed: 5,
      cacheFeatures: true,
      augment: { flip: false, rotationDegrees: 5, rotationSteps: 3 },
    });
    const files = readdirSync(join(outDir, 'features'));
    const angles = new Set(files.map((f) => /^scene-\d+\.n(-?\d+\.\d{3})\.safetensors$/.exec(f)?.[1]));
    for (const a of angles) expect(['-5.000', '0.000', '5.000']).toContain(a);
    expect(angles.size).toBeGreaterThan(1); // 12 draws from 3 angles
    model.dispose();
  });

  it('caches encoder features per (sample, augmentation) and trains the same as without the cache', async () => {
    const opts = { epochs: 3, batchSize: 2, augment: { flip: false, rotationDegrees: 0 }, seed: 4 };
    const plain = createSeededAnyDepth(microConfig(), 1);
    const cached = createSeededAnyDepth(microConfig(), 1);
    const train = proceduralSource({ count: 4, width: 32, height: 32 });
    const a = await trainAnyDepth({ model: plain, train, outDir: tmp('nocache'), ...opts });
    const outDir = tmp('cache');
    const b = await trainAnyDepth({ model: cached, train, outDir, cacheFeatures: true, ...opts });
    expect(b.featureCache).toEqual({ hits: 8, misses: 4 });
    // With rotations on, a cache needs a finite set of angles; the trainer asks instead of picking one.
    await expect(
      trainAnyDepth({ model: cached, train, outDir: tmp('cache-rot'), ...opts, cacheFeatures: true, augment: { rotationDegrees: 5 } }),
    ).rejects.toThrow(/cacheFeatures .* set augment\.rotationSteps \(the CLI uses 5 with --cache-features\) or augment\.rotationDegrees: 0/);
    await expect(trainAnyDepth({ model: cached, train, outDir: tmp('bad-steps'), ...opts, augment: { rotationSteps: 2.5 } })).rejects.toThrow(
      /rotationSteps must be a positive integer, got 2.5/,
    );
    expect(readdirSync(join(outDir, 'features'))).toHaveLength(4);
    for (let i = 0; i < a.losses.length; i++) expect(Math.abs(a.losses[i] - b.losses[i])).toBeLessThan(1e-4 * Math.max(1, a.losses[i]));
    const va = trainingVariables(plain);
    const vb = trainingVariables(cached);
    for (const name of Object.keys(va)) {
      const x = va[name].dataSync();
      const y = vb[name].dataSync();
      for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(1e-3);
    }
    plain.dispose();
    cached.dispose();
  });

  it('refuses to resume a checkpoint of a run with other options', async () => {
    const out = tmp('mismatch');
    const train = proceduralSource({ count: 4, width: 32, height: 32 });
    const m1 = createSeededAnyDepth(microConfig(), 0);
    await trainAnyDepth({ model: m1, train, outDir: out, epochs: 1, batchSize: 2 });
    const m2 = createSeededAnyDepth(microConfig(), 0);
    await expect(trainAnyDepth({ model: m2, train, outDir: out, epochs: 1, batchSize: 2, lr: 5e-4 })).rejects.toThrow(/belongs to a run with other options/);
    m1.dispose();
    m2.dispose();
  });
});
