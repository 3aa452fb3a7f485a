import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_ATTENTION_TILE_BYTES, SafetensorsFile, setAttentionTileBytes } from '@anydepth/core';
import { compareClose, fixturePath, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnyDepth,
  anyDepthTinyConfig,
  configFromCheckpoint,
  createAnyDepth,
  loadAnyDepthWeights,
  loadDecoderWeights,
  loadEncoderWeights,
  predict,
  saveAnyDepth,
} from '../src/index.js';

const fixture = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('anydepth_tiny.safetensors'))), 'anydepth_tiny');
const here = new URL('.', import.meta.url).pathname;

function fixtureModel(): AnyDepth {
  const model = createAnyDepth(anyDepthTinyConfig());
  loadAnyDepthWeights(model, fixture);
  return model.eval();
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`AnyDepth tiny on ${backend}`, () => {
    let model: AnyDepth;
    beforeAll(async () => {
      await setBackend(backend);
      model = fixtureModel();
    });
    afterAll(() => model.dispose());

    it.each(['a', 'c'])('matches the official model end to end for input %s (atol 1e-4)', (k) => {
      const image = fixture.tensor(`input.${k}.image_nhwc`); // [1, H, W, 3], ImageNet-normalised
      const depth = model.forward(image); // [1, 64, 96, 1] (input c is centre-padded from 60×90)
      const expected = fixture.require(`output.${k}.depth`);
      expect(depth.shape).toEqual([1, 64, 96, 1]);
      const r = compareClose(depth.dataSync(), expected.data as Float32Array, { atol: 1e-4, label: `depth ${k}` });
      expect(r.ok, r.message).toBe(true);
      tf.dispose([image, depth]);
    });

    it('matches the official model for input a with query-tiled attention (6 rows per head, ragged last tile)', () => {
      setAttentionTileBytes(6 * 29 * 4); // 24 patches + cls + 4 registers = 29 tokens
      try {
        const image = fixture.tensor('input.a.image_nhwc');
        tf.dispose(model.forward(image)); // warm-up, then numTensors must stay flat
        const before = tf.memory().numTensors;
        const depth = model.forward(image);
        const r = compareClose(depth.dataSync(), fixture.require('output.a.depth').data as Float32Array, { atol: 1e-4, label: 'depth a (tiled attention)' });
        expect(r.ok, r.message).toBe(true);
        depth.dispose();
        expect(tf.memory().numTensors).toBe(before);
        image.dispose();
      } finally {
        setAttentionTileBytes(DEFAULT_ATTENTION_TILE_BYTES);
      }
    });
  });
}

describe('checkpoints', () => {
  beforeAll(() => setBackend('cpu'));

  it('infers the configuration from tensor shapes alone', () => {
    const c = configFromCheckpoint(fixture);
    expect(c.encoder.embedDim).toBe(128);
    expect(c.encoder.depth).toBe(4);
    expect(c.encoder.numHeads).toBe(2);
    expect(c.fusionChannels).toBe(32);
    expect(c.layers).toEqual([0, 1, 2, 3]);
  });

  it('loads the encoder and the decoder from separate checkpoints', () => {
    const model = createAnyDepth(anyDepthTinyConfig()).eval();
    const enc = loadEncoderWeights(model, fixture, { prefix: 'encoder.' });
    const dec = loadDecoderWeights(model, fixture, { prefix: 'decoder.' });
    expect(enc.missing).toEqual([]);
    expect(dec.missing).toEqual([]);
    const image = fixture.tensor('input.a.image_nhwc');
    const r = compareClose(model.forward(image).dataSync(), fixture.require('output.a.depth').data as Float32Array, { atol: 1e-4 });
    expect(r.ok, r.message).toBe(true);
    model.dispose();
  });

  it('rejects a checkpoint of another size, naming the tensor and both shapes', () => {
    const small = createAnyDepth({ ...anyDepthTinyConfig(), fusionChannels: 16 });
    expect(() => loadAnyDepthWeights(small, fixture)).toThrow(
      /decoder\.weighted_fusion\.projections\.0\.0\.weight expected \[16,128\] but the checkpoint has \[32,128\]/,
    );
    small.dispose();
  });

  it('saves the composed model and a fresh process reloads it with identical output', async () => {
    const model = fixtureModel();
    const dir = mkdtempSync(join(tmpdir(), 'anydepth-model-'));
    const weights = join(dir, 'model.safetensors');
    writeFileSync(weights, await saveAnyDepth(model));
    const image = fixture.tensor('input.c.image_nhwc');
    const ours = Array.from(model.forward(image).dataSync());
    writeFileSync(join(dir, 'image.json'), JSON.stringify({ shape: image.shape, data: Array.from(image.dataSync()) }));
    execFileSync(process.execPath, ['--import', 'tsx', join(here, 'reload-worker.mts'), weights, join(dir, 'image.json'), join(dir, 'out.json')], {
      cwd: here,
      stdio: 'pipe',
    });
    const theirs = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as number[];
    expect(theirs).toEqual(ours);
    model.dispose();
  });
});

describe('predict', () => {
  beforeAll(() => setBackend('wasm'));

  it('keeps numTensors flat across 20 predictions of different sizes and returns input-sized disparity', async () => {
    const model = fixtureModel();
    const sizes = [
      [40, 30],
      [64, 48],
      [100, 37],
      [33, 65],
    ];
    const run = async (i: number) => {
      const [w, h] = sizes[i % sizes.length];
      const data = new Uint8Array(w * h * 3).map((_, j) => (j * 37 + i * 11) % 256);
      const pred = await predict(model, { data, width: w, height: h, channels: 3 }, { size: 64 });
      expect(pred.width).toBe(w);
      expect(pred.height).toBe(h);
      expect(pred.networkWidth % 16).toBe(0);
      expect(pred.disparity.length).toBe(w * h);
      expect(pred.disparity.every((v) => Number.isFinite(v) && v >= 0.001)).toBe(true);
    };
    await run(0);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await run(i);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('reads back from the backend only the output map (plus one value to time the forward pass)', async () => {
    const model = fixtureModel();
    const backend = tf.backend();
    const read = backend.read.bind(backend);
    let valuesRead = 0;
    backend.read = async (dataId: object) => {
      const values = await read(dataId);
      valuesRead += values.length;
      return values;
    };
    try {
      const [w, h] = [100, 37]; // network size 64×32 (padded): the map read back is the input-sized one
      const data = new Uint8Array(w * h * 3).map((_, j) => (j * 29) % 256);
      const pred = await predict(model, { data, width: w, height: h, channels: 3 }, { size: 64 });
      expect(pred.disparity.length).toBe(w * h);
      expect(valuesRead).toBe(w * h + 1);
    } finally {
      backend.read = read;
      model.dispose();
    }
  });
});
