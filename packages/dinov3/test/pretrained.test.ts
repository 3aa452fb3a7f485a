import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, encodeSafetensors } from '@anydepth/core';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DinoVisionTransformer, configToHf, dinov3Config, fromPretrained as fromPretrainedFetch } from '../src/index.js';
import { fromPretrained } from '../src/node.js';
import { TINY, fixture, isFixtureData } from './helpers.js';
import { HubServer } from '@anydepth/test-utils/hub-server';

const enc = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => enc(JSON.stringify(v));

function tensors(file: string, keep: (k: string) => boolean, rename: (k: string) => string = (k) => k): Record<string, HostTensor> {
  const f = fixture(file);
  return Object.fromEntries(
    f
      .keys()
      .filter(keep)
      .map((k) => [rename(k), f.require(k)]),
  );
}

/** HF-named tiny weights (anydepth_tiny encoder.*, prefix stripped) and hub-named ones (dinov3_tiny). */
const hfWeights = () =>
  encodeSafetensors(
    tensors(
      'anydepth_tiny.safetensors',
      (k) => k.startsWith('encoder.'),
      (k) => k.slice('encoder.'.length),
    ),
  );
const hubTensors = () => tensors('dinov3_tiny.safetensors', (k) => !isFixtureData(k));
const tinyConfig = () => json(configToHf(dinov3Config(TINY)));

/** The fixture's norm outputs of block 3 for input a: the model must reproduce them. */
function expectFixtureOutputs(model: DinoVisionTransformer): void {
  const f = fixture('dinov3_tiny.safetensors');
  const image = f.tensor('input.a.image_nhwc');
  const [out] = model.getIntermediateLayers(image, { layers: [3] });
  expectClose(out.patches, f.require('output.a.norm.block3.patch_nhwc').data as Float32Array, { atol: 1e-4, label: 'block3 patches' });
  expectClose(out.cls, f.require('output.a.norm.block3.cls').data as Float32Array, { atol: 1e-4, label: 'block3 cls' });
  tf.dispose([image, out.patches, out.cls, out.registers]);
}

const server = new HubServer();
let cacheDir: string;

beforeAll(async () => {
  await setBackend('cpu');
  await server.start();
  const hub = hubTensors();
  const names = Object.keys(hub);
  const half = Math.ceil(names.length / 2);
  const shard1 = Object.fromEntries(names.slice(0, half).map((k) => [k, hub[k]]));
  const shard2 = Object.fromEntries(names.slice(half).map((k) => [k, hub[k]]));
  const weightMap = Object.fromEntries(names.map((k, i) => [k, i < half ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors']));
  server.addRepo('org/tiny-hf', { 'config.json': { bytes: tinyConfig() }, 'model.safetensors': { bytes: hfWeights(), lfs: true } });
  server.addRepo('org/tiny-sharded', {
    'config.json': { bytes: tinyConfig() },
    'model.safetensors.index.json': { bytes: json({ metadata: {}, weight_map: weightMap }) },
    'model-00001-of-00002.safetensors': { bytes: encodeSafetensors(shard1), lfs: true },
    'model-00002-of-00002.safetensors': { bytes: encodeSafetensors(shard2), lfs: true },
  });
  server.addRepo('facebook/gated-tiny', { 'config.json': { bytes: tinyConfig() }, 'model.safetensors': { bytes: hfWeights(), lfs: true } }, 'hf_secret');
  server.addRepo('org/bad-size', { 'model.safetensors': { bytes: hfWeights(), lfs: true, linkedSize: hfWeights().length + 1000 } });
  server.addRepo('org/raw', { 'weights.safetensors': { bytes: encodeSafetensors(hub) } });
});

afterAll(() => server.stop());

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'anydepth-hub-'));
  server.log.length = 0;
  delete process.env.HF_TOKEN;
});

describe('fromPretrained (Node) against a local hub server', () => {
  it('downloads config.json + model.safetensors by repo id, loads them, and uses the cache next time', async () => {
    const model = await fromPretrained('org/tiny-hf', { endpoint: server.url, cacheDir });
    expect(model.config).toMatchObject({ embedDim: 128, depth: 4, numHeads: 2, ffn: 'mlp' });
    expectFixtureOutputs(model);
    model.dispose();
    expect(server.log.map((l) => l.url)).toEqual([
      '/org/tiny-hf/resolve/main/config.json',
      '/org/tiny-hf/resolve/main/model.safetensors',
      '/cdn/org/tiny-hf/model.safetensors',
    ]);
    expect(existsSync(join(cacheDir, 'models--org--tiny-hf', 'main', 'model.safetensors'))).toBe(true);
    server.log.length = 0;
    (await fromPretrained('org/tiny-hf', { endpoint: server.url, cacheDir })).dispose();
    expect(server.log).toHaveLength(0); // served from the cache
  });

  it('falls back to a sharded checkpoint (index + shards, torch-hub names)', async () => {
    const model = await fromPretrained('org/tiny-sharded', { endpoint: server.url, cacheDir });
    expectFixtureOutputs(model);
    model.dispose();
    expect(server.log.filter((l) => l.status === 404).map((l) => l.url)).toEqual(['/org/tiny-sharded/resolve/main/model.safetensors']);
  });

  it('gated repo: 401 without a token names HF_TOKEN; the token option and HF_TOKEN both work', async () => {
    await expect(fromPretrained('facebook/gated-tiny', { endpoint: server.url, cacheDir })).rejects.toThrow(/HTTP 401.*pass \{ token \} or set the HF_TOKEN/);
    await expect(fromPretrained('facebook/gated-tiny', { endpoint: server.url, cacheDir, token: 'wrong' })).rejects.toThrow(/HTTP 401.*token was refused/);
    const model = await fromPretrained('facebook/gated-tiny', { endpoint: server.url, cacheDir, token: 'hf_secret' });
    model.dispose();
    // The token goes to the hub origin; the same origin serves the CDN here, so it is sent there too.
    expect(server.log.filter((l) => l.status === 200).every((l) => l.authorization === 'Bearer hf_secret')).toBe(true);
    process.env.HF_TOKEN = 'hf_secret';
    (await fromPretrained('facebook/gated-tiny', { endpoint: server.url, cacheDir: mkdtempSync(join(tmpdir(), 'anydepth-hub-')) })).dispose();
  });

  it('a size mismatch against x-linked-size fails and keeps nothing in the cache', async () => {
    await expect(fromPretrained('org/bad-size', { endpoint: server.url, cacheDir })).rejects.toThrow(/size mismatch: received \d+ bytes but expected \d+/);
    expect(existsSync(join(cacheDir, 'models--org--bad-size', 'main', 'model.safetensors'))).toBe(false);
  });

  it('loads a URL (config inferred from the tensor shapes when no config.json is served)', async () => {
    const model = await fromPretrained(`${server.url}/org/raw/resolve/main/weights.safetensors`, { cacheDir });
    expect(model.config).toMatchObject({ embedDim: 128, depth: 4, numHeads: 2, ffnHiddenDim: 512, numRegisterTokens: 4 });
    expectFixtureOutputs(model);
    model.dispose();
  });

  it('a URL on another host than the hub never gets HF_TOKEN or the token option (config and weights)', async () => {
    process.env.HF_TOKEN = 'hf_env';
    (await fromPretrained(`${server.url}/org/raw/resolve/main/weights.safetensors`, { cacheDir })).dispose();
    (await fromPretrained(`${server.url}/org/raw/resolve/main/weights.safetensors`, { cacheDir, token: 'hf_secret', force: true })).dispose();
    expect(server.log.map((l) => [l.url, l.authorization])).toEqual([
      ['/org/raw/resolve/main/config.json', null],
      ['/org/raw/resolve/main/weights.safetensors', null],
      ['/org/raw/resolve/main/config.json', null],
      ['/org/raw/resolve/main/weights.safetensors', null],
    ]);
  });

  it('loads local files and folders (with or without config.json)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anydepth-local-'));
    writeFileSync(join(dir, 'model.safetensors'), hfWeights());
    writeFileSync(join(dir, 'config.json'), tinyConfig());
    const a = await fromPretrained(dir);
    expectFixtureOutputs(a);
    a.dispose();
    const file = join(mkdtempSync(join(tmpdir(), 'anydepth-local-')), 'dinov3_hub.safetensors');
    writeFileSync(file, encodeSafetensors(hubTensors()));
    const b = await fromPretrained(file);
    expectFixtureOutputs(b);
    b.dispose();
    await expect(fromPretrained('./no/such/file.safetensors')).rejects.toThrow(/not an existing file or folder, a URL, or a Hugging Face repo id/);
  });
});

describe('fromPretrained (fetch, in memory)', () => {
  it('loads a repo id and a sharded repo without touching the disk', async () => {
    const a = await fromPretrainedFetch('org/tiny-hf', { endpoint: server.url });
    expectFixtureOutputs(a);
    a.dispose();
    const b = await fromPretrainedFetch('org/tiny-sharded', { endpoint: server.url });
    expectFixtureOutputs(b);
    b.dispose();
    await expect(fromPretrainedFetch('facebook/gated-tiny', { endpoint: server.url })).rejects.toThrow(/HTTP 401/);
  });
});
