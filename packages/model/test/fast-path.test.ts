import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile, setInferenceFusion, useBackend } from '@anydepth/core';
import { shutdownWasm, useThreadedWasm } from '@anydepth/core/node';
import { compareClose, fixturePath } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyDepth, anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights, predict } from '../src/index.js';

/**
 * The fast inference path end to end — XNNPACK on 2 threads (useThreadedWasm), BatchNorm folded and
 * bias + ReLU fused into the convolutions, the full-resolution tail in row bands — against the unfused,
 * untiled graph on the cpu backend and against the official outputs of the anydepth_tiny fixture.
 */
const fixture = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('anydepth_tiny.safetensors'))), 'anydepth_tiny');
let model: AnyDepth;

/** Yields to the event loop: a forward pass blocks it for seconds, and vitest's worker RPC must get through. */
const breathe = () => new Promise((r) => setTimeout(r, 0));

async function depth(image: tf.Tensor): Promise<Float32Array> {
  await breathe();
  const y = model.forward(image);
  const values = (await y.data()) as Float32Array;
  y.dispose();
  return values;
}

describe('fast inference path (2 wasm threads, fused, banded)', () => {
  beforeAll(async () => {
    tf.env().set('IS_TEST', true);
    expect(await useThreadedWasm({ threads: 2 })).toBe(2);
    model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    model.eval();
  });
  afterAll(() => {
    model.dispose();
    shutdownWasm();
  });

  it.each(['a', 'c'])('matches the unfused cpu graph (1e-4) and the official output (1e-4), input %s', async (k) => {
    const image = fixture.tensor(`input.${k}.image_nhwc`); // [1, 64, 96, 3]
    model.tiling = { bandRows: 14 }; // several bands at fixture size
    setInferenceFusion(true);
    const fast = await depth(image);
    await useBackend('cpu');
    setInferenceFusion(false);
    model.tiling = 'off';
    const reference = await depth(image);
    setInferenceFusion(true);
    await tf.setBackend('wasm');
    const r = compareClose(fast, reference, { atol: 1e-4, label: `${k}: fast wasm vs unfused cpu` });
    console.log(r.message);
    expect(r.ok, r.message).toBe(true);
    const o = compareClose(fast, fixture.require(`output.${k}.depth`).data as Float32Array, { atol: 1e-4, label: `${k}: fast vs official` });
    expect(o.ok, o.message).toBe(true);
    image.dispose();
  });

  it('keeps tf.memory().numTensors flat over repeated predictions with threads on', async () => {
    expect(tf.getBackend()).toBe('wasm');
    model.tiling = { bandRows: 10 };
    const width = 96;
    const height = 64;
    const data = new Uint8Array(width * height * 3).map((_, i) => (i * 7919) % 251);
    await predict(model, { data, width, height, channels: 3 }, { size: width });
    await breathe();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) {
      await breathe();
      const p = await predict(model, { data, width, height, channels: 3 }, { size: width });
      expect(p.disparity.length).toBe(width * height);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
