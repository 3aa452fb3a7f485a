import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { DepthAnythingV2, dav2ConfigFromCheckpoint, loadDepthAnythingV2Weights } from '@anydepth/model';
import { exportOnnx } from '../src/index.js';
import { openFixture, runOrt, session } from './helpers.js';

const fixture = openFixture('dav2_tiny.safetensors');

describe('Depth Anything V2 (dav2_tiny fixture weights: DINOv2 + DAv2 DPT head) exported to ONNX runs in onnxruntime-node', () => {
  let model: DepthAnythingV2;
  beforeAll(async () => {
    await setBackend('cpu');
    model = new DepthAnythingV2(dav2ConfigFromCheckpoint(fixture));
    loadDepthAnythingV2Weights(model, fixture);
  });
  afterAll(() => model.dispose());

  /** This project's depth for an NHWC image, as [B, 1, H, W] data. */
  function projectDepth(nhwc: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.transpose(model.forward(nhwc), [0, 3, 1, 2]));
  }

  it('static 70×98 graph (position grid resized by constant PyTorch bicubic matrices): depth within 1e-4 of tfjs and of PyTorch', async () => {
    const exported = exportOnnx(model, { inputShape: [1, 3, 70, 98] });
    expect(exported.inputs[0]).toEqual({ name: 'image', type: 'float32', dims: [1, 3, 70, 98] });
    expect(exported.outputs.map((o) => o.name)).toEqual(['depth']);
    expect(exported.initializers).toContain('pretrained.pos_embed');
    expect(exported.initializers).toContain('pretrained.blocks.0.attn.qkv.weight');
    expect(exported.initializers).toContain('depth_head.scratch.output_conv2.2.weight');
    const s = await session(exported.model);
    const image = fixture.tensor('input.a.image');
    const { depth } = await runOrt(s, { image });
    expect(depth.dims).toEqual([1, 1, 70, 98]);
    const ours = projectDepth(fixture.tensor('input.a.image_nhwc'));
    const r = expectClose(depth.data, ours, { atol: 1e-4, label: 'ORT vs tfjs (a, static)' });
    expect(r.maxAbs).toBeLessThan(1e-4);
    expectClose(depth.data, fixture.tensor('output.a.depth'), { atol: 1e-4, label: 'ORT vs PyTorch (a, static)' });
    tf.dispose([image, ours]);
    await s.release();
  });

  it('dynamic batch/height/width (position grid through Resize cubic, A = −0.75, half_pixel): one graph runs 70×98 (B=1) and 126×84 (B=2) within 1e-4 of tfjs and of PyTorch', async () => {
    const exported = exportOnnx(model, { dynamicAxes: true });
    expect(exported.inputs[0].dims).toEqual(['batch', 3, 'height', 'width']);
    const s = await session(exported.model);
    for (const [key, shape] of [
      ['a', [1, 1, 70, 98]],
      ['b', [2, 1, 126, 84]],
    ] as const) {
      const image = fixture.tensor(`input.${key}.image`);
      const { depth } = await runOrt(s, { image });
      expect(depth.dims).toEqual(shape);
      const ours = projectDepth(fixture.tensor(`input.${key}.image_nhwc`));
      const r = expectClose(depth.data, ours, { atol: 1e-4, label: `ORT vs tfjs (${key}, dynamic)` });
      expect(r.maxAbs).toBeLessThan(1e-4);
      expectClose(depth.data, fixture.tensor(`output.${key}.depth`), { atol: 1e-4, label: `ORT vs PyTorch (${key}, dynamic)` });
      tf.dispose([image, ours]);
    }
    await s.release();
  });

  it('the dynamic graph keeps the official shortcut: at the learned grid (h = w = M) the position table is used as stored', async () => {
    const m = model.config.encoder.posEmbedGrid;
    const side = m * model.patchSize;
    const exported = exportOnnx(model, { dynamicAxes: { height: true, width: true }, inputShape: [1, 3] });
    const s = await session(exported.model);
    const image = tf.randomNormal([1, side, side, 3], 0, 1, 'float32', 5); // NHWC
    const nchw = tf.transpose(image, [0, 3, 1, 2]);
    const { depth } = await runOrt(s, { image: nchw });
    const ours = projectDepth(image);
    const r = expectClose(depth.data, ours, { atol: 1e-4, label: `ORT vs tfjs (${side}×${side}, grid ${m}×${m})` });
    expect(r.maxAbs).toBeLessThan(1e-4);
    tf.dispose([image, nchw, ours]);
    await s.release();
  });
});
