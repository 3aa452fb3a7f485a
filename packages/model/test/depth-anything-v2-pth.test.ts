import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Checkpoint, SafetensorsFile, openCheckpointBytes } from '@anydepth/core';
import { openCheckpointFile } from '@anydepth/core/node';
import { expectClose, fixturePath, readFixtureBytes, setBackend } from '@anydepth/test-utils';
import { DepthAnythingV2, dav2ConfigFromCheckpoint, loadDepthAnythingV2Weights } from '../src/index.js';

const io = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('dav2_tiny.safetensors'))), 'dav2_tiny');

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Depth Anything V2 from the official .pth (dav2_tiny.pth, ${backend})`, () => {
    const opened: Checkpoint[] = [];
    beforeAll(() => setBackend(backend));
    afterAll(() => opened.forEach((c) => c.close()));

    const sources: Array<[string, () => Checkpoint]> = [
      ['bytes (openCheckpointBytes)', () => openCheckpointBytes(readFixtureBytes('dav2_tiny.pth'), { label: 'dav2_tiny.pth' })],
      ['a file on disk (openCheckpointFile, lazy reads)', () => openCheckpointFile(fixturePath('dav2_tiny.pth'))],
    ];
    for (const [how, open] of sources) {
      it(`${how}: config inferred, 127 tensors loaded, depth of a and b within 1e-4`, () => {
        const ckpt = open();
        opened.push(ckpt);
        expect(ckpt.format).toBe('torch-zip');
        const model = new DepthAnythingV2(dav2ConfigFromCheckpoint(ckpt));
        expect(model.config.encoder).toMatchObject({ embedDim: 64, depth: 4, numHeads: 2 });
        const report = loadDepthAnythingV2Weights(model, ckpt);
        expect(report.layout).toBe('official');
        expect(report.encoder.loaded.length + report.head.loaded.length).toBe(127);
        for (const k of ['a', 'b']) {
          const image = io.tensor(`input.${k}.image_nhwc`);
          const depth = model.forward(image);
          expectClose(depth, io.require(`output.${k}.depth`).data as Float32Array, { atol: 1e-4, label: `${how} ${k}` });
          tf.dispose([image, depth]);
        }
        model.dispose();
      });
    }
  });
}
