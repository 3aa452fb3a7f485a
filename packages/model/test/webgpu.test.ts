import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile } from '@anydepth/core';
import { compareClose, fixturePath } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyDepth, anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights, maxTensorBytesForBackend, predict } from '../src/index.js';
import { adapterDescription, setupWebGPU } from '@anydepth/test-utils/webgpu';

/**
 * The whole AnyDepth inference path on tfjs' 'webgpu' backend (Dawn via the `webgpu` package; on
 * machines without a GPU, SwiftShader's Vulkan ICD from Debian's chromium package) against the
 * official outputs of the anydepth_tiny fixture. This file FAILS when no adapter is found: CI must
 * install `libvulkan1 chromium` (see examples/webgpu-node/README.md).
 */

const fixture = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('anydepth_tiny.safetensors'))), 'anydepth_tiny');
let model: AnyDepth;

// Software WebGPU (SwiftShader) is slow, and CI runs two packages' tests at once: generous limits.
describe('AnyDepth tiny on webgpu', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    const why = await setupWebGPU();
    if (why) throw new Error(`WebGPU unavailable: ${why}`);
    console.log(`webgpu adapter: ${adapterDescription}`);
    model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    model.eval();
  });
  afterAll(() => model?.dispose());

  it('runs on the webgpu backend', () => {
    expect(tf.getBackend()).toBe('webgpu');
  });

  it.each(['a', 'c'])('matches the official model end to end for input %s (atol 1e-3)', async (k) => {
    const image = fixture.tensor(`input.${k}.image_nhwc`); // [1, H, W, 3], ImageNet-normalised
    const depth = model.forward(image); // [1, 64, 96, 1]
    expect(depth.shape).toEqual([1, 64, 96, 1]);
    const expected = fixture.require(`output.${k}.depth`);
    const r = compareClose((await depth.data()) as Float32Array, expected.data as Float32Array, { atol: 1e-3, label: `webgpu depth ${k}` });
    console.log(`webgpu depth ${k}: max |err| ${r.maxAbs.toExponential(2)}`);
    expect(r.ok, r.message).toBe(true);
    tf.dispose([image, depth]);
  });

  it('runs the SDT head in row bands on webgpu with the same result (atol 1e-3 vs official)', async () => {
    const limit = maxTensorBytesForBackend();
    console.log(`adapter maxStorageBufferBindingSize/maxBufferSize: ${limit} bytes`);
    expect(Number.isFinite(limit) && limit >= 128 * 2 ** 20).toBe(true);
    const image = fixture.tensor('input.a.image_nhwc'); // [1, 64, 96, 3]
    model.tiling = { bandRows: 32 }; // two bands; a budget derived from the real limit would not tile this small input
    try {
      const depth = model.forward(image); // [1, 64, 96, 1]
      const r = compareClose((await depth.data()) as Float32Array, fixture.require('output.a.depth').data as Float32Array, {
        atol: 1e-3,
        label: 'webgpu tiled depth a',
      });
      console.log(`webgpu tiled depth a: max |err| ${r.maxAbs.toExponential(2)}`);
      expect(r.ok, r.message).toBe(true);
      tf.dispose([image, depth]);
    } finally {
      model.tiling = {};
    }
  });

  it('predict() runs on webgpu with per-stage timings and no leaked tensors', async () => {
    // Network size 96×64 as the fixture inputs (compiled pipelines are reused), resized back to 48×32.
    const w = 48;
    const h = 32;
    const data = new Uint8Array(w * h * 3).map((_, j) => (j * 37) % 256);
    await predict(model, { data, width: w, height: h, channels: 3 }, { size: 96 });
    const before = tf.memory().numTensors;
    const pred = await predict(model, { data, width: w, height: h, channels: 3 }, { size: 96 });
    expect(tf.memory().numTensors).toBe(before);
    expect(pred.width).toBe(w);
    expect(pred.disparity.every((v) => Number.isFinite(v) && v >= 0.001)).toBe(true);
    console.log(`webgpu predict timings (ms): ${JSON.stringify(pred.timings)}`);
  });
});
