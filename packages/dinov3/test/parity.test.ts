import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_ATTENTION_TILE_BYTES, setAttentionTileBytes } from '@anydepth/core';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DinoVisionTransformer, loadDinov3Weights, ropeTables } from '../src/index.js';
import { TINY, fixture, isFixtureData } from './helpers.js';

const ATOL = 1e-4;
const INPUTS = { a: [1, 64, 96], b: [2, 48, 80] } as const;
const worst: Record<string, number> = {};

function checkAll(model: DinoVisionTransformer, label: string): void {
  const f = fixture('dinov3_tiny.safetensors');
  for (const k of Object.keys(INPUTS) as Array<keyof typeof INPUTS>) {
    const image = f.tensor(`input.${k}.image_nhwc`);
    for (const t of ['norm', 'raw'] as const) {
      const outs = model.getIntermediateLayers(image, { layers: [0, 1, 2, 3], norm: t === 'norm' });
      outs.forEach((o, i) => {
        const base = `output.${k}.${t}.block${i}`;
        expect(o.patches.shape).toEqual(f.info(`${base}.patch_nhwc`)!.shape);
        for (const [mine, theirs] of [
          [o.patches, `${base}.patch_nhwc`],
          [o.cls, `${base}.cls`],
          [o.registers, `${base}.reg`],
        ] as const) {
          const r = expectClose(mine, f.require(theirs).data as Float32Array, { atol: ATOL, label: `${label} ${theirs}` });
          worst[label] = Math.max(worst[label] ?? 0, r.maxAbs);
        }
      });
      tf.dispose(outs.flatMap((o) => [o.patches, o.cls, o.registers]));
    }
    image.dispose();
  }
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`DINOv3 tiny parity (${backend})`, () => {
    beforeAll(() => setBackend(backend));
    afterAll(() => console.log(`max |error| vs fixture (${backend}):`, JSON.stringify(worst)));

    it('torch-hub names (dinov3_tiny.safetensors, qkv with bias_mask)', () => {
      const model = new DinoVisionTransformer(TINY);
      const report = loadDinov3Weights(model, fixture('dinov3_tiny.safetensors'), { ignore: isFixtureData });
      expect(report.scheme).toBe('hub');
      expect(report.prefix).toBe('');
      checkAll(model, `${backend}/hub`);
      model.dispose();
    });

    it('HF names (anydepth_tiny.safetensors encoder.*, prefix detected)', () => {
      const model = new DinoVisionTransformer(TINY);
      const report = loadDinov3Weights(model, fixture('anydepth_tiny.safetensors'), { ignore: (k) => isFixtureData(k) || k.startsWith('decoder.') });
      expect(report.scheme).toBe('hf');
      expect(report.prefix).toBe('encoder.');
      checkAll(model, `${backend}/hf`);
      model.dispose();
    });

    it('torch-hub names through query-tiled attention (1–7 query rows per tile, ragged last tile)', () => {
      const model = new DinoVisionTransformer(TINY);
      loadDinov3Weights(model, fixture('dinov3_tiny.safetensors'), { ignore: isFixtureData });
      setAttentionTileBytes(7 * 32 * 4); // 29 tokens: 7 rows per head (per-head), fewer when heads are batched
      try {
        const before = tf.memory().numTensors;
        checkAll(model, `${backend}/hub tiled`);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        setAttentionTileBytes(DEFAULT_ATTENTION_TILE_BYTES);
      }
      model.dispose();
    });

    it('embedding tokens and RoPE tables match the debug tensors', () => {
      const f = fixture('dinov3_tiny.safetensors');
      const model = new DinoVisionTransformer(TINY);
      loadDinov3Weights(model, f, { ignore: isFixtureData });
      const image = f.tensor('input.a.image_nhwc');
      const tokens = model.embed(image);
      expectClose(tokens, f.require('debug.a.embed_tokens').data as Float32Array, { atol: 1e-5, label: 'embed_tokens' });
      const rope = ropeTables(4, 6, 64, 100);
      expectClose(rope.sin, f.require('debug.a.rope_sin').data as Float32Array, { atol: 1e-6, label: 'rope_sin' });
      expectClose(rope.cos, f.require('debug.a.rope_cos').data as Float32Array, { atol: 1e-6, label: 'rope_cos' });
      tf.dispose([image, tokens]);
      model.dispose();
    });
  });
}
