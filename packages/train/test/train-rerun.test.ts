import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dinov3Config } from '@anydepth/dinov3';
import { registerTrainingKernels } from '@anydepth/kernels';
import type { AnyDepthConfig } from '@anydepth/model';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSeededAnyDepth, proceduralSource, trainAnyDepth } from '../src/index.js';

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

async function run(outDir: string, maxSteps: number) {
  const model = createSeededAnyDepth(microConfig(), 0);
  try {
    return await trainAnyDepth({
      model,
      train: proceduralSource({ count: 4, width: 32, height: 32 }),
      val: proceduralSource({ count: 2, firstSeed: 500, width: 32, height: 32 }),
      outDir,
      epochs: 2,
      batchSize: 2,
      maxSteps,
    });
  } finally {
    model.dispose();
  }
}

describe('re-running a training folder', () => {
  it('resuming a finished run appends no second final val record (the log is unchanged) and still returns the validation', async () => {
    const out = mkdtempSync(join(tmpdir(), 'anydepth-train-rerun-'));
    await run(out, 4);
    const log = readFileSync(join(out, 'train.jsonl'), 'utf8');
    const again = await run(out, 4);
    expect(again.startStep).toBe(4);
    const after = readFileSync(join(out, 'train.jsonl'), 'utf8');
    const vals = after
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'val');
    expect(vals.map((r) => r.step)).toEqual([2, 4]);
    // the validation of the restored model is the first run's final one (same weights, same held-out scenes)
    expect(again.validation!.metrics.absRel).toBeCloseTo(vals[1].absRel, 6);
    expect(again.validation!.metrics.delta1).toBeCloseTo(vals[1].delta1, 6);
    expect(after).toBe(log);
  });

  it('a resumed run removes the temporary files that killed atomic writes left (checkpoint, log, chart, model)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'anydepth-train-tmp-'));
    await run(out, 4);
    const stale = [
      '.model.safetensors.4242.1700000000000.tmp',
      '.train.jsonl.4242.1700000000001.tmp',
      '.curves.png.4242.1700000000002.tmp',
      '.checkpoint.safetensors.4242.1.tmp',
    ];
    for (const f of stale) writeFileSync(join(out, f), 'half a write');
    writeFileSync(join(out, 'notes.tmp'), 'not ours');
    await run(out, 4);
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'curves.png', 'notes.tmp', 'train.jsonl']);
  });
});
