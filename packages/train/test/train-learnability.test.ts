import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTrainingKernels } from '@anydepth/kernels';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { anyDepthTinyConfig } from '@anydepth/model';
import { constantDisparityBaseline, createSeededAnyDepth, evaluateModel, proceduralSource, trainAnyDepth } from '../src/index.js';

beforeAll(async () => {
  await setBackend('wasm');
  registerTrainingKernels();
});

describe('learnability', () => {
  it('a tiny AnyDepth (random frozen encoder) halves its training loss and beats the constant-disparity baseline on held-out scenes', async () => {
    const model = createSeededAnyDepth(anyDepthTinyConfig(), 1);
    const train = proceduralSource({ count: 4, width: 32, height: 32 });
    const heldOut = proceduralSource({ count: 16, firstSeed: 100_000, width: 32, height: 32 });
    const result = await trainAnyDepth({
      model,
      train,
      outDir: mkdtempSync(join(tmpdir(), 'anydepth-learn-')),
      epochs: 60, // one step per epoch: 60 steps
      batchSize: 4,
      lr: 2e-3,
      warmupEpochs: 1,
      clipNorm: 1,
      augment: { flip: false, rotationDegrees: 0 },
      seed: 1,
    });
    const firstLoss = result.losses[0];
    const lastLoss = (result.losses[57] + result.losses[58] + result.losses[59]) / 3;
    const ours = await evaluateModel(model, heldOut);
    const baseline = await constantDisparityBaseline(heldOut);
    console.log(
      `learnability: training loss ${firstLoss.toFixed(4)} → ${lastLoss.toFixed(4)} (×${(firstLoss / lastLoss).toFixed(2)}); ` +
        `held-out AbsRel ${ours.metrics.absRel.toFixed(4)} vs constant ${baseline.metrics.absRel.toFixed(4)}, δ1 ${ours.metrics.delta1.toFixed(4)} vs ${baseline.metrics.delta1.toFixed(4)}`,
    );
    expect(firstLoss / lastLoss).toBeGreaterThanOrEqual(2);
    expect(ours.metrics.absRel).toBeLessThan(0.9 * baseline.metrics.absRel);
    expect(ours.metrics.delta1).toBeGreaterThan(baseline.metrics.delta1);
    model.dispose();
  });
});
