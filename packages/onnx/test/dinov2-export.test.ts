import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@anydepth/core';
import { Dinov2VisionTransformer } from '@anydepth/dinov2';
import { DepthAnythingV2 } from '@anydepth/model';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { exportOnnx } from '../src/index.js';
import { runOrt, session } from './helpers.js';

describe('DINOv2 ViT-S/14 preset (random weights) exported to ONNX', () => {
  let vit: Dinov2VisionTransformer;
  beforeAll(async () => {
    await setBackend('cpu');
    vit = new Dinov2VisionTransformer('vits14', { rng: new Rng(2) });
  });
  afterAll(() => vit.dispose());

  it('one dynamic graph gives the final tokens within 1e-4 of tfjs at 56×84 and 42×42 (position grid resized in the graph)', async () => {
    const exported = exportOnnx(vit, { dynamicAxes: true });
    expect(exported.inputs[0].dims).toEqual(['batch', 3, 'height', 'width']);
    expect(exported.initializers).toContain('blocks.11.mlp.fc2.weight');
    const s = await session(exported.model);
    const rng = new Rng(9);
    for (const [h, w] of [
      [56, 84],
      [42, 42],
    ]) {
      const image = tf.tensor(rng.normalArray(3 * h * w, 0, 1), [1, 3, h, w]);
      const { output } = await runOrt(s, { image });
      expect(output.dims).toEqual([1, 1 + (h / 14) * (w / 14), 384]);
      const ours = tf.tidy(() => vit.forward(tf.transpose(image, [0, 2, 3, 1])));
      const r = expectClose(output.data, ours, { atol: 1e-4, label: `DINOv2 ViT-S ${h}×${w}` });
      expect(r.maxAbs).toBeLessThan(1e-4);
      tf.dispose([image, ours]);
    }
    await s.release();
  });

  it('features export: the tapped layers (patches NCHW + cls) of a static 42×56 graph match getIntermediateLayers', async () => {
    const layers = [2, 5, 8, 11];
    const exported = exportOnnx(vit, { inputShape: [1, 3, 42, 56], features: { layers } });
    const s = await session(exported.model);
    const image = tf.tensor(new Rng(4).normalArray(3 * 42 * 56, 0, 1), [1, 3, 42, 56]);
    const out = await runOrt(s, { image });
    const ours = vit.getIntermediateLayers(tf.transpose(image, [0, 2, 3, 1]), layers);
    ours.forEach((f, i) => {
      const patches = tf.transpose(f.patches, [0, 3, 1, 2]);
      expect(out[`features.${i}.patches`].dims).toEqual([1, 384, 3, 4]);
      expectClose(out[`features.${i}.patches`].data, patches, { atol: 1e-4, label: `features.${i}.patches` });
      expectClose(out[`features.${i}.cls`].data, f.cls!, { atol: 1e-4, label: `features.${i}.cls` });
      tf.dispose([patches, f.patches, f.cls!, f.registers]);
    });
    image.dispose();
    await s.release();
  });
});

describe('Depth Anything V2 Small preset (random weights) exported to ONNX', () => {
  it('static 56×70 graph: depth within 1e-4 of tfjs', async () => {
    await setBackend('cpu');
    const model = new DepthAnythingV2('dav2-vits', { rng: new Rng(3) });
    const exported = exportOnnx(model, { inputShape: [1, 3, 56, 70] });
    const s = await session(exported.model);
    const image = tf.tensor(new Rng(6).normalArray(3 * 56 * 70, 0, 1), [1, 3, 56, 70]);
    const { depth } = await runOrt(s, { image });
    expect(depth.dims).toEqual([1, 1, 56, 70]);
    expect(Math.max(...depth.data)).toBeGreaterThan(0); // not a relu-clamped all-zero map
    const ours = tf.tidy(() => tf.transpose(model.forward(tf.transpose(image, [0, 2, 3, 1])), [0, 3, 1, 2]));
    const r = expectClose(depth.data, ours, { atol: 1e-4, label: 'DAv2-S 56×70' });
    expect(r.maxAbs).toBeLessThan(1e-4);
    tf.dispose([image, ours]);
    model.dispose();
    await s.release();
  });
});
