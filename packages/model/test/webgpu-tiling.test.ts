import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile } from '@anydepth/core';
import { compareClose, fixturePath, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyDepth, DEFAULT_BAND_BYTES, anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights, maxTensorBytesForBackend } from '../src/index.js';

/**
 * The row-band execution of the SDT head's full-resolution tail (on WebGPU when a tensor would exceed
 * maxStorageBufferBindingSize, elsewhere above DEFAULT_BAND_BYTES) is exact: tiled == untiled on cpu for several band heights,
 * batch 2, odd band sizes, and every tensor stays under the byte budget it was given.
 */

const fixture = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('anydepth_tiny.safetensors'))), 'anydepth_tiny');
let model: AnyDepth;

async function run(image: tf.Tensor, tiling: AnyDepth['tiling']): Promise<Float32Array> {
  await new Promise((r) => setTimeout(r, 0)); // let vitest's worker RPC breathe between long forwards
  model.tiling = tiling;
  const y = model.forward(image);
  const values = (await y.data()) as Float32Array;
  y.dispose();
  return values;
}

const untiled = new Map<string, Float32Array>();

describe('tiled SDT head (cpu)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    model.eval();
  });
  afterAll(() => model.dispose());

  it('bands off WebGPU too, by a fixed memory budget (not a buffer limit)', () => {
    expect(maxTensorBytesForBackend()).toBe(DEFAULT_BAND_BYTES);
  });

  it.each([
    [2, 'a'],
    [6, 'c'],
    [14, 'a'],
    [30, 'c'],
  ])('bands of %i rows equal the untiled head (1e-6) and the official output (1e-4), input %s', async (bandRows, k) => {
    {
      const image = fixture.tensor(`input.${k}.image_nhwc`); // [1, 64, 96, 3]
      if (!untiled.has(k)) untiled.set(k, await run(image, 'off'));
      const whole = untiled.get(k) as Float32Array;
      const tiled = await run(image, { bandRows });
      const r = compareClose(tiled, whole, { atol: 1e-6, label: `${k} bands of ${bandRows}` });
      console.log(`bands of ${bandRows}, input ${k}: max |tiled - untiled| ${r.maxAbs.toExponential(2)}`);
      expect(r.ok, r.message).toBe(true);
      const o = compareClose(tiled, fixture.require(`output.${k}.depth`).data as Float32Array, { atol: 1e-4, label: `${k} tiled vs official` });
      expect(o.ok, o.message).toBe(true);
      image.dispose();
    }
  });

  it('is exact for a batch of two images', async () => {
    const image = tf.tidy(() => {
      const a = fixture.tensor('input.a.image_nhwc'); // [1, 64, 96, 3]
      return tf.concat([a, tf.reverse(a, 1)], 0); // [2, 64, 96, 3]
    });
    const r = compareClose(await run(image, { bandRows: 10 }), await run(image, 'off'), { atol: 1e-6, label: 'batch 2' });
    expect(r.ok, r.message).toBe(true);
    image.dispose();
  });

  it('keeps every tensor under maxTensorBytes (the untiled head exceeds it 4×)', async () => {
    const image = fixture.tensor('input.a.image_nhwc'); // [1, 64, 96, 3]
    const fullRes = 64 * 96 * 32 * 4; // one C = 32 tensor at full resolution: 786 kB
    const budget = 200_000; // the half-resolution DySample source (196 kB) still fits
    const backend = tf.backend() as unknown as { makeTensorInfo: (shape: number[], dtype: string, values?: unknown) => unknown };
    const original = backend.makeTensorInfo.bind(backend);
    let largest = 0;
    backend.makeTensorInfo = (shape, dtype, values) => {
      largest = Math.max(largest, shape.reduce((a, b) => a * b, 1) * 4);
      return original(shape, dtype, values);
    };
    try {
      const whole = await run(image, 'off');
      expect(largest).toBe(fullRes);
      largest = 0;
      const tiled = await run(image, { maxTensorBytes: budget });
      expect(largest).toBeGreaterThan(0);
      expect(largest).toBeLessThanOrEqual(budget);
      const r = compareClose(tiled, whole, { atol: 1e-6, label: 'budgeted' });
      expect(r.ok, r.message).toBe(true);
    } finally {
      backend.makeTensorInfo = original;
      image.dispose();
    }
  });
});
