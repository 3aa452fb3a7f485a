import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_ATTENTION_TILE_BYTES, setAttentionTileBytes } from '@anydepth/core';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { Dinov2VisionTransformer, loadDinov2Weights } from '../src/index.js';
import { DAV2_TINY_ENCODER, fixture, isFixtureData } from './helpers.js';

const FILE = 'dav2_tiny.safetensors';
// Grids of the fixture images: a 70×98 → 5×7 patches, b 126×84 → 9×6 patches.
const CASES = [
  ['a', 5, 7],
  ['b', 9, 6],
] as const;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`DINOv2 parity with the official code (dav2_tiny, ${backend})`, () => {
    let model: Dinov2VisionTransformer;

    beforeAll(async () => {
      await setBackend(backend);
      model = new Dinov2VisionTransformer(DAV2_TINY_ENCODER);
      const report = loadDinov2Weights(model, fixture(FILE), { prefix: 'pretrained.', ignore: isFixtureData });
      expect(report.layout).toBe('official');
      expect(report.missing).toEqual([]);
    });
    afterAll(() => model.dispose());

    for (const [k, h, w] of CASES) {
      it(`${k}: interpolated position embedding [1, 1+${h}·${w}, 64] within 1e-5 (bicubic, scale factor (n+0.1)/37)`, () => {
        const pos = model.positionEmbedding(h, w);
        const want = fixture(FILE).require(`debug.${k}.pos_embed`);
        expect(pos.shape).toEqual([...want.shape]);
        expectClose(pos, want.data as Float32Array, { atol: 1e-5, label: `debug.${k}.pos_embed` });
        pos.dispose();
      });

      it.each([
        ['untiled', DEFAULT_ATTENTION_TILE_BYTES],
        ['query-tiled (7 rows per head, ragged last tile)', 7 * (1 + h * w) * 4],
      ])(`${k}: the four normed intermediate layers (patch tokens and cls) within 1e-4, %s attention`, (_, tileBytes) => {
        setAttentionTileBytes(tileBytes);
        onTestFinished(() => setAttentionTileBytes(DEFAULT_ATTENTION_TILE_BYTES));
        const image = fixture(FILE).tensor(`input.${k}.image_nhwc`);
        const before = tf.memory().numTensors;
        const feats = model.getIntermediateLayers(image, [0, 1, 2, 3], { norm: true, returnClassToken: true });
        feats.forEach((f, i) => {
          const tokens = fixture(FILE).require(`debug.${k}.feat.block${i}.tokens`); // [B, h·w, 64], row-major patches
          expect(f.patches.shape).toEqual([tokens.shape[0], h, w, 64]);
          expectClose(f.patches, tokens.data as Float32Array, { atol: 1e-4, label: `block${i}.tokens` });
          expectClose(f.cls!, fixture(FILE).require(`debug.${k}.feat.block${i}.cls`).data as Float32Array, { atol: 1e-4, label: `block${i}.cls` });
          expect(f.registers.shape).toEqual([tokens.shape[0], 0, 64]);
        });
        feats.forEach((f) => tf.dispose([f.patches, f.cls!, f.registers]));
        expect(tf.memory().numTensors).toBe(before);
        image.dispose();
      });
    }
  });
}
