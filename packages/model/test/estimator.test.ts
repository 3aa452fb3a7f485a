import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, SafetensorsFile, encodeSafetensors } from '@anydepth/core';
import { HubServer } from '@anydepth/test-utils/hub-server';
import { expectClose, fixturePath, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RawImage,
  anyDepthTinyConfig,
  createAnyDepth,
  createDepthEstimator as createInMemory,
  detectDepthModelFamily,
  saveAnyDepth,
} from '../src/index.js';
import { createDepthEstimator } from '../src/node.js';

const open = (name: string) => SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath(name))), name);
const anydepthIo = open('anydepth_official_tiny_io.safetensors');
const dav2 = open('dav2_tiny.safetensors');

function rawImage(file: SafetensorsFile, key: string): RawImage {
  const t = file.require(key);
  const [, height, width] = t.shape;
  return { data: t.data as Uint8Array, width, height, channels: 3 };
}

/** The padded official output `output.c.depth` [1, 1, 80, 48] cropped back to the 70 × 40 input (pad top 5, left 4). */
function cropC(): Float32Array {
  const full = anydepthIo.require('output.c.depth').data as Float32Array;
  const out = new Float32Array(70 * 40);
  for (let y = 0; y < 70; y++) out.set(full.subarray((y + 5) * 48 + 4, (y + 5) * 48 + 44), y * 40);
  return out;
}

describe.each(['cpu', 'wasm'] as const)('createDepthEstimator on %s', (backend) => {
  beforeAll(() => setBackend(backend));

  for (const file of ['anydepth_official_tiny.pth', 'anydepth_official_tiny.safetensors']) {
    it(`official AnyDepth ${file}: config inferred, fixture depth within 1e-4`, async () => {
      const estimator = await createDepthEstimator(fixturePath(file));
      expect(estimator.family).toBe('anydepth');
      expect(estimator.config).toMatchObject({ fusionChannels: 32, layers: [0, 1, 2, 3], encoder: { embedDim: 128, depth: 4, numHeads: 2 } });
      expect(estimator.description).toMatch(/^AnyDepth from .*anydepth_official_tiny/);
      await estimator.estimate(rawImage(anydepthIo, 'input.a.image_u8_nhwc'), { size: 80 });
      const before = tf.memory().numTensors; // after one call: the folded BatchNorm weights are kept by the convs
      // 80 × 48 is a multiple of 16: the network runs at the image size, so the result is the fixture's depth.
      const a = await estimator.estimate(rawImage(anydepthIo, 'input.a.image_u8_nhwc'), { size: 80 });
      expect([a.width, a.height, a.networkWidth, a.networkHeight]).toEqual([48, 80, 48, 80]);
      expectClose(a.disparity, anydepthIo.require('output.a.depth').data as Float32Array, { atol: 1e-4, label: `${file} a` });
      expect(a.image.data.length).toBe(48 * 80 * 4);
      expect(tf.memory().numTensors).toBe(before);
      // 70 × 40 is centre-padded to 80 × 48 by the model; the padded output matches the official one.
      const padded = tf.tidy(() => estimator.model.forward(tf.tensor4d(anydepthIo.require('input.c.image_nhwc').data as Float32Array, [1, 70, 40, 3])));
      expectClose(padded, anydepthIo.require('output.c.depth').data as Float32Array, { atol: 1e-4, label: `${file} c` });
      expectClose(tf.slice(padded, [0, 5, 4, 0], [1, 70, 40, 1]), cropC(), { atol: 1e-4, label: `${file} c cropped` });
      padded.dispose();
      estimator.dispose();
    });
  }

  for (const file of ['dav2_tiny.pth', 'dav2_tiny.safetensors']) {
    it(`Depth Anything V2 ${file}: config inferred, fixture depth within 1e-4`, async () => {
      // The tiny model has 2 heads of 32, which no tensor shape tells: config.json beside it says so.
      const dir = mkdtempSync(join(tmpdir(), 'anydepth-estimator-'));
      copyFileSync(fixturePath(file), join(dir, file));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ backbone_config: { num_attention_heads: 2 } }));
      const estimator = await createDepthEstimator(join(dir, file));
      expect(estimator.family).toBe('depth-anything-v2');
      expect(estimator.config).toMatchObject({ features: 16, outChannels: [8, 16, 32, 64], encoder: { embedDim: 64, depth: 4, numHeads: 2 } });
      const before = tf.memory().numTensors;
      const a = await estimator.estimate(rawImage(dav2, 'input.a.image_u8_nhwc'), { size: 70 });
      expect([a.width, a.height, a.networkWidth, a.networkHeight]).toEqual([98, 70, 98, 70]);
      expectClose(a.disparity, dav2.require('output.a.depth').data as Float32Array, { atol: 1e-4, label: `${file} a` });
      expect(tf.memory().numTensors).toBe(before);
      estimator.dispose();
      await expect(estimator.estimate(rawImage(dav2, 'input.a.image_u8_nhwc'))).rejects.toThrow(/disposed/);
    });
  }
});

describe('createDepthEstimator sources', () => {
  const server = new HubServer();
  beforeAll(async () => {
    await setBackend('cpu');
    await server.start();
    server.addRepo('org/anydepth-tiny', {
      'model.safetensors': { bytes: new Uint8Array(readFileSync(fixturePath('anydepth_official_tiny.safetensors'))), lfs: true },
    });
    server.addRepo('org/weights', { 'ckpt/anydepth.pth': { bytes: new Uint8Array(readFileSync(fixturePath('anydepth_official_tiny.pth'))), lfs: true } });
  });
  afterAll(() => server.stop());

  it('loads a hub repo id and one hub file (hf://), in Node (cached) and in memory', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'anydepth-estimator-cache-'));
    const image = rawImage(anydepthIo, 'input.a.image_u8_nhwc');
    const expected = anydepthIo.require('output.a.depth').data as Float32Array;
    for (const make of [
      () => createDepthEstimator('org/anydepth-tiny', { endpoint: server.url, cacheDir }),
      () => createDepthEstimator('hf://org/weights/ckpt/anydepth.pth', { endpoint: server.url, cacheDir }),
      () => createInMemory('org/anydepth-tiny', { endpoint: server.url }),
      () => createInMemory(new Uint8Array(readFileSync(fixturePath('anydepth_official_tiny.pth')))),
    ]) {
      const estimator = await make();
      expectClose((await estimator.estimate(image, { size: 80 })).disparity, expected, { atol: 1e-4 });
      estimator.dispose();
    }
  });

  it('a mistyped path says the file does not exist and asks no server', async () => {
    server.log.length = 0;
    for (const path of ['./no/such.pth', 'models/anydepth.pth', 'weights/v1/x']) {
      await expect(createDepthEstimator(path, { endpoint: server.url })).rejects.toThrow(`no such file or folder: ${path}`);
    }
    expect(server.log).toHaveLength(0);
  });

  it('names the tensors when the family cannot be told, and refuses a name present in two files', async () => {
    expect(() => detectDepthModelFamily({ keys: () => ['a.weight', 'b.bias'], get: () => undefined })).toThrow(/a\.weight/);
    const dir = mkdtempSync(join(tmpdir(), 'anydepth-estimator-'));
    const stray: Record<string, HostTensor> = { '0.decoder.output_conv.4.bias': { dtype: 'F32', shape: [1], data: new Float32Array([0]) } };
    writeFileSync(join(dir, 'extra.safetensors'), encodeSafetensors(stray));
    await expect(createDepthEstimator([fixturePath('anydepth_official_tiny.pth'), join(dir, 'extra.safetensors')])).rejects.toThrow(
      /tensor '0\.decoder\.output_conv\.4\.bias' is in both .*anydepth_official_tiny\.pth and .*extra\.safetensors/,
    );
  });

  it('says plainly when the weights are the demo toy or an untrained stand-in, and nothing for real weights', async () => {
    const model = createAnyDepth(anyDepthTinyConfig());
    const demo = await saveAnyDepth(model, { 'anydepth.demo': 'procedural 64px, 300 steps' });
    const standIn = await saveAnyDepth(model, { 'anydepth.note': 'seeded tiny model, untrained' });
    model.dispose();
    const a = await createInMemory(demo);
    expect(a.notice).toMatch(
      /^This is the demo's toy model \(procedural 64px, 300 steps: .*not meaningful; load official AnyDepth or Depth Anything V2 weights/,
    );
    a.dispose();
    const b = await createInMemory(standIn);
    expect(b.notice).toMatch(/^This is an untrained stand-in model/);
    b.dispose();
    const c = await createDepthEstimator(fixturePath('anydepth_official_tiny.pth'));
    expect(c.notice).toBeNull();
    c.dispose();
  });
});
