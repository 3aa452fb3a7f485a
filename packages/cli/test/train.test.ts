import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile } from '@anydepth/core';
import { getPreset, listPresets } from '@anydepth/model';
import { TRAIN_DEFAULTS } from '@anydepth/train';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { log: (s) => (out += `${s}\n`), error: (s) => (err += `${s}\n`) });
  return { code, out, err };
}

describe('anydepth train', () => {
  it('trains on procedural scenes from a config file with flag overrides, writes the model, log and chart, and resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anydepth-cli-train-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ procedural: 8, valProcedural: 2, size: 32, epochs: 1, batchSize: 4, seed: 3, backend: 'wasm' }));
    const out = join(dir, 'run');
    const r = await cli(['train', '--config', config, '--out', out, '--epochs', '2', '--recompute']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/backend wasm; 8 training sample\(s\), 2 validation at 32×32/);
    expect(r.out).toContain("recompute: the head's blocks are recomputed in the backward pass");
    expect(r.out).toMatch(/held-out AbsRel \d\.\d{4} δ1 \d\.\d{4}; constant-disparity baseline AbsRel/);
    for (const f of ['model.safetensors', 'checkpoint.safetensors', 'train.jsonl', 'curves.png']) expect(existsSync(join(out, f))).toBe(true);
    const steps = readFileSync(join(out, 'train.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((x) => x.type === 'train');
    expect(steps).toHaveLength(4); // 2 epochs × 2 steps
    const model = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(join(out, 'model.safetensors'))));
    expect(model.keys().some((k) => k.startsWith('encoder.'))).toBe(true);
    expect(model.keys().some((k) => k.startsWith('decoder.'))).toBe(true);
    // running it again resumes at the end: nothing more to train
    const again = await cli(['train', '--config', config, '--out', out, '--epochs', '2']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('resumed from');
  });

  it('rejects bad options with one-line usage errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anydepth-cli-train-'));
    expect((await cli(['train'])).err).toMatch(/--out is required/);
    const bad = await cli(['train', '--out', dir, '--size', '30']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--size must be a positive multiple of 16, got '30'/);
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify({ batchsize: 4 }));
    expect((await cli(['train', '--config', config, '--out', dir])).err).toMatch(/unknown option\(s\) in .*c\.json: batchsize/);
    expect((await cli(['train', '--out', dir, '--backend', 'gpu'])).err).toMatch(/unknown backend 'gpu'/);
    expect((await cli(['help', 'train'])).out).toMatch(/tfjs-node-gpu/);
    const steps = await cli(['train', '--out', dir, '--rotation-steps', '0']);
    expect([steps.code, steps.err.trim()]).toEqual([2, "anydepth: train: --rotation-steps must be a positive integer, got '0'"]);
  });

  it('shows the training defaults from their one declaration (TRAIN_DEFAULTS)', async () => {
    const help = (await cli(['train', '--help'])).out;
    const { epochs, batchSize, lr, weightDecay, warmupEpochs, rotationDegrees, featureCacheRotationSteps, seed } = TRAIN_DEFAULTS;
    expect(help).toContain(`--epochs <n> (${epochs})  --batch-size <n> (${batchSize})  --lr <x> (${lr})  --weight-decay <x> (${weightDecay})`);
    expect(help).toContain(`--warmup-epochs <x> (${warmupEpochs})`);
    expect(help).toContain(`maximum rotation augmentation (default ${rotationDegrees}; 0 disables)`);
    expect(help).toContain(`${featureCacheRotationSteps} with --cache-features`);
    expect(help).toContain(`augmentation seed (default ${seed})`);
    expect(help).toContain(`AdamW (lr ${lr}, weight decay ${weightDecay}), ${warmupEpochs} warm-up epochs then poly ${TRAIN_DEFAULTS.power}, ${epochs} epochs`);
    expect(help).toContain(`rotations up to ${rotationDegrees}°`);
    expect(help).toContain(`(default: flips ${TRAIN_DEFAULTS.flip ? 'on' : 'off'})`);
    // every preset of the registry is listed, with its description
    for (const name of listPresets('anydepth')) expect(help).toContain(`${name.padEnd(18)} ${getPreset(name).description}`);
  });

  it('builds --model presets by their registry name (the old spelling tiny still works) and lists them when unknown', async () => {
    const bad = await cli([
      'train',
      '--out',
      mkdtempSync(join(tmpdir(), 'anydepth-model-')),
      '--model',
      'anydepth-vitx16',
      '--procedural',
      '1',
      '--val-procedural',
      '0',
      '--backend',
      'cpu',
    ]);
    expect([bad.code, bad.err.trim()]).toEqual([2, `anydepth: train: unknown model 'anydepth-vitx16' (choose ${listPresets('anydepth').join(', ')})`]);
  });
});
