import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsFile } from '@anydepth/core';
import { expectClose, fixturePath, setBackend } from '@anydepth/test-utils';
import { DepthAnythingV2, dav2ConfigFromCheckpoint, loadDepthAnythingV2Weights } from '../src/index.js';

const fixture = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('dav2_tiny.safetensors'))), 'dav2_tiny');
// a: 70×98 → 5×7 patches; b: 126×84 (batch 2) → 9×6 patches.
const CASES = ['a', 'b'] as const;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Depth Anything V2 parity with the official code (dav2_tiny, ${backend})`, () => {
    let model: DepthAnythingV2;

    beforeAll(async () => {
      await setBackend(backend);
      model = new DepthAnythingV2(dav2ConfigFromCheckpoint(fixture));
      const report = loadDepthAnythingV2Weights(model, fixture);
      expect(report.layout).toBe('official');
      expect(report.encoder.loaded.length + report.head.loaded.length).toBe(127);
    });
    afterAll(() => model.dispose());

    for (const k of CASES) {
      it(`${k}: path_1, output_conv1 and the final depth within 1e-4`, () => {
        const image = fixture.tensor(`input.${k}.image_nhwc`);
        const before = tf.memory().numTensors;
        const stages = model.forwardStages(image);
        const path1 = fixture.require(`debug.${k}.path_1_nhwc`);
        expect(stages.path1.shape).toEqual([...path1.shape]);
        expectClose(stages.path1, path1.data as Float32Array, { atol: 1e-4, label: `debug.${k}.path_1` });
        expectClose(stages.outputConv1, fixture.require(`debug.${k}.output_conv1_nhwc`).data as Float32Array, { atol: 1e-4, label: `debug.${k}.output_conv1` });
        stages.features.forEach((f, i) => {
          expectClose(f.patches, fixture.require(`debug.${k}.feat.block${i}.tokens`).data as Float32Array, { atol: 1e-4, label: `feat.block${i}` });
        });
        const depth = fixture.require(`output.${k}.depth`); // [B, H, W]
        expect(stages.depth.shape).toEqual([...depth.shape, 1]);
        expectClose(stages.depth, depth.data as Float32Array, { atol: 1e-4, label: `output.${k}.depth` });
        tf.dispose([stages.path1, stages.outputConv1, stages.depth, ...stages.features.flatMap((f) => [f.patches, f.cls!, f.registers])]);
        const out = model.forward(image);
        expectClose(out, depth.data as Float32Array, { atol: 1e-4, label: `forward ${k}` });
        out.dispose();
        expect(tf.memory().numTensors).toBe(before);
        image.dispose();
      });
    }
  });
}
