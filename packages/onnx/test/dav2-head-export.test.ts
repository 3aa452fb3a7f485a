import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DepthAnythingV2DPTHead, type HeadFeature } from '@anydepth/dpt';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { exportOnnx, onnxTensorSource } from '../src/index.js';
import { openFixture, runOrt, session, toNchw } from './helpers.js';

const fixture = openFixture('dav2_tiny.safetensors');
const build = () => new DepthAnythingV2DPTHead({ inChannels: 64, features: 16, outChannels: [8, 16, 32, 64], patchSize: 14 });

/** The fixture's DINOv2 features (after the final norm) of image `key` as NCHW maps [B, 64, h, w]. */
function maps(key: string, h: number, w: number): tf.Tensor[] {
  return [0, 1, 2, 3].map((i) =>
    tf.tidy(() => {
      const tokens = fixture.tensor(`debug.${key}.feat.block${i}.tokens`); // [B, hw, 64]
      return tf.transpose(tf.reshape(tokens, [tokens.shape[0], h, w, 64]), [0, 3, 1, 2]);
    }),
  );
}

describe('Depth Anything V2 DPT head (dav2_tiny fixture weights) in ONNX', () => {
  let head: DepthAnythingV2DPTHead;
  beforeAll(async () => {
    await setBackend('cpu');
    head = build();
    head.loadStateDict(fixture, { prefix: 'depth_head.', strict: false });
    head.eval();
  });
  afterAll(() => head.dispose());

  it('one graph with dynamic batch and grid runs the 5×7 (B=1) and 9×6 (B=2) fixture cases within 1e-4 of tfjs and of PyTorch', async () => {
    const exported = exportOnnx(head, { dynamicAxes: true });
    const s = await session(exported.model);
    for (const [key, h, w] of [
      ['a', 5, 7],
      ['b', 9, 6],
    ] as const) {
      const inputs = maps(key, h, w);
      const { logits } = await runOrt(s, Object.fromEntries(inputs.map((m, i) => [`features.${i}.patches`, m])));
      const b = inputs[0].shape[0];
      expect(logits.dims).toEqual([b, 1, 14 * h, 14 * w]);
      const features: HeadFeature[] = inputs.map((m) => ({ patches: tf.transpose(m, [0, 2, 3, 1]) }));
      const ours = tf.tidy(() => toNchw(head.forward(features)));
      expectClose(logits.data, ours, { atol: 1e-4, label: `DAv2 head ${key} vs tfjs` });
      expectClose(logits.data, fixture.tensor(`output.${key}.depth`), { atol: 1e-4, label: `DAv2 head ${key} vs PyTorch` });
      tf.dispose([...inputs, ...features.map((f) => f.patches), ours]);
    }
    await s.release();
  });

  it('the ONNX file of the head (with the unused refinenet4.resConfUnit1 kept) loads back strictly through onnxTensorSource and gives the same depth', () => {
    const lean = exportOnnx(head, { inputShape: [1, 5, 7] });
    expect(
      Object.keys(head.stateDictShapes())
        .filter((k) => !lean.initializers.includes(k))
        .sort(),
    ).toEqual(['conv1.bias', 'conv1.weight', 'conv2.bias', 'conv2.weight'].map((k) => `scratch.refinenet4.resConfUnit1.${k}`));
    const bytes = exportOnnx(head, { inputShape: [1, 5, 7], includeUnusedWeights: true }).model;
    const reloaded = build();
    const report = reloaded.loadStateDict(onnxTensorSource(bytes));
    expect(report.missing).toEqual([]);
    const features: HeadFeature[] = maps('a', 5, 7).map((m) => ({ patches: tf.transpose(m, [0, 2, 3, 1]) }));
    const a = head.forward(features);
    const b = reloaded.eval().forward(features);
    expectClose(b, a, { atol: 0, label: 'reloaded DAv2 head' });
    tf.dispose([a, b, ...features.map((f) => f.patches)]);
    reloaded.dispose();
  });
});
