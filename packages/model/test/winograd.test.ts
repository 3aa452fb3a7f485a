import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile, setInferenceFusion } from '@anydepth/core';
import { registerInferenceKernels, unregisterInferenceKernels, winogradState } from '@anydepth/kernels';
import { compareClose, fixturePath, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyDepth, anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights, predict } from '../src/index.js';

/**
 * The AnyDepth tiny fixture (the official tiny construction: fusion C = 32) with our Winograd conv registered as the
 * wasm Conv2D / FusedConv2D (2 threads; minChannels 8, so every stride-1 3×3 conv of the decoder takes it) against
 * the official outputs and the unfused cpu graph.
 */
const fixture = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('anydepth_tiny.safetensors'))), 'anydepth_tiny');
let model: AnyDepth;

describe('AnyDepth tiny with the Winograd inference kernels (wasm, 2 threads)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    await setBackend('wasm');
    expect(await registerInferenceKernels({ threads: 2, minChannels: 8 })).toEqual(['Conv2D/wasm', 'FusedConv2D/wasm', 'Erf/wasm']);
    model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    model.eval();
  });
  afterAll(() => {
    model.dispose();
    unregisterInferenceKernels();
  });

  it.each(['a', 'c'])('matches the official output and the unfused cpu graph within 1e-4, input %s', async (k) => {
    const image = fixture.tensor(`input.${k}.image_nhwc`); // [1, 64, 96, 3]
    await setBackend('wasm');
    const calls = winogradState.calls;
    const y = model.forward(image);
    const fast = (await y.data()) as Float32Array;
    y.dispose();
    expect(winogradState.calls - calls, 'convs through the Winograd kernel').toBeGreaterThan(0);
    const o = compareClose(fast, fixture.require(`output.${k}.depth`).data as Float32Array, { atol: 1e-4, label: `${k}: Winograd wasm vs official` });
    console.info(`${o.message} (${winogradState.calls - calls} Winograd convs)`);
    expect(o.ok, o.message).toBe(true);
    await setBackend('cpu');
    setInferenceFusion(false);
    try {
      const r = model.forward(image);
      const c = compareClose(fast, (await r.data()) as Float32Array, { atol: 1e-4, label: `${k}: Winograd wasm vs unfused cpu` });
      r.dispose();
      console.info(c.message);
      expect(c.ok, c.message).toBe(true);
    } finally {
      setInferenceFusion(true);
      await setBackend('wasm');
      image.dispose();
    }
  });

  it('keeps tf.memory().numTensors flat over repeated predictions', async () => {
    const width = 96;
    const height = 64;
    const data = new Uint8Array(width * height * 3).map((_, i) => (i * 7919) % 251);
    await predict(model, { data, width, height, channels: 3 }, { size: width });
    const before = tf.memory().numTensors;
    const calls = winogradState.calls;
    for (let i = 0; i < 3; i++) {
      const p = await predict(model, { data, width, height, channels: 3 }, { size: width });
      expect(p.disparity.length).toBe(width * height);
    }
    expect(winogradState.calls).toBeGreaterThan(calls);
    expect(tf.memory().numTensors).toBe(before);
  });
});
