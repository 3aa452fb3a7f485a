import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { type AnyDepth, anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights } from '@anydepth/model';
import type { DinoVisionTransformer } from '@anydepth/dinov3';
import { exportOnnx } from '../src/index.js';
import { openFixture, runOrt, session, toNchw } from './helpers.js';

const fixture = openFixture('anydepth_tiny.safetensors');

describe('AnyDepth stages exported on their own (encoder features, SDT head with class tokens)', () => {
  let model: AnyDepth;
  beforeAll(async () => {
    await setBackend('cpu');
    model = createAnyDepth(anyDepthTinyConfig());
    loadAnyDepthWeights(model, fixture);
    model.eval();
  });
  afterAll(() => model.dispose());

  it('DINOv3 encoder graph: the four tapped layers (patch maps and cls) within 1e-4 of getIntermediateLayers', async () => {
    const exported = exportOnnx(model.encoder, { inputShape: [1, 3, 64, 96], features: { layers: [0, 1, 2, 3] } });
    expect(exported.outputs.map((o) => o.name)).toEqual([0, 1, 2, 3].flatMap((i) => [`features.${i}.patches`, `features.${i}.cls`]));
    expect(exported.initializers[0]).toBe('embeddings.patch_embeddings.weight'); // names relative to the exported module
    const s = await session(exported.model);
    const image = fixture.tensor('input.a.image');
    const out = await runOrt(s, { image });
    const ours = (model.encoder as DinoVisionTransformer).getIntermediateLayers(fixture.tensor('input.a.image_nhwc'), { layers: [0, 1, 2, 3], norm: true });
    ours.forEach((f, i) => {
      const patches = toNchw(f.patches);
      expect(out[`features.${i}.patches`].dims).toEqual([1, 128, 4, 6]);
      expectClose(out[`features.${i}.patches`].data, patches, { atol: 1e-4, label: `layer ${i} patches` });
      expectClose(out[`features.${i}.cls`].data, f.cls, { atol: 1e-4, label: `layer ${i} cls` });
      tf.dispose([patches, f.patches, f.cls, f.registers]);
    });
    image.dispose();
    await s.release();
  });

  it('SDT head graph reads the class tokens as inputs and matches the head within 1e-4', async () => {
    const exported = exportOnnx(model.decoder, { inputShape: [1, 4, 6] });
    expect(exported.inputs.map((i) => i.name).sort()).toEqual([0, 1, 2, 3].flatMap((i) => [`features.${i}.cls`, `features.${i}.patches`]).sort());
    const s = await session(exported.model);
    const features = model.encode(fixture.tensor('input.a.image_nhwc'));
    const feeds: Record<string, tf.Tensor> = {};
    features.forEach((f, i) => {
      feeds[`features.${i}.patches`] = toNchw(f.patches);
      feeds[`features.${i}.cls`] = f.cls!;
    });
    const { logits } = await runOrt(s, feeds);
    const ours = tf.tidy(() => toNchw(model.decoder.forward(features)));
    expectClose(logits.data, ours, { atol: 1e-4, label: 'SDT logits' });
    tf.dispose([ours, ...Object.values(feeds), ...features.flatMap((f) => Object.values(f) as tf.Tensor[])]);
    await s.release();
  });
});
