import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '@anydepth/test-utils';
import { DAV2_DPT_CONFIGS, DepthAnythingV2DPTHead, createDepthAnythingV2Head } from '../src/index.js';

describe('Depth Anything V2 DPT head (spec §4)', () => {
  beforeAll(() => setBackend('cpu'));

  const cases: Array<['vits' | 'vitb' | 'vitl', number, number]> = [
    ['vits', 2_728_513, 3_909_697],
    ['vitb', 10_890_305, 15_611_969],
    ['vitl', 30_947_009, 39_339_713],
  ];
  for (const [encoder, plain, withCls] of cases) {
    it(`${encoder}: ${plain.toLocaleString()} parameters, ${withCls.toLocaleString()} with the cls readout`, () => {
      const head = createDepthAnythingV2Head(encoder);
      expect(head.numParameters()).toBe(plain);
      head.dispose();
      const cls = createDepthAnythingV2Head(encoder, { useClsToken: true });
      expect(cls.numParameters()).toBe(withCls);
      cls.dispose();
    });
  }

  it('uses the official DAv2 state-dict names', () => {
    const head = createDepthAnythingV2Head('vits');
    const names = Object.keys(head.stateDictShapes());
    for (const n of [
      'projects.0.weight',
      'projects.3.bias',
      'resize_layers.0.weight',
      'resize_layers.1.bias',
      'resize_layers.3.weight',
      'scratch.layer1_rn.weight',
      'scratch.layer4_rn.weight',
      'scratch.refinenet4.out_conv.weight',
      'scratch.refinenet4.resConfUnit1.conv1.weight',
      'scratch.refinenet1.resConfUnit2.conv2.bias',
      'scratch.output_conv1.weight',
      'scratch.output_conv2.0.weight',
      'scratch.output_conv2.2.bias',
    ]) {
      expect(names, n).toContain(n);
    }
    expect(names.some((n) => n.startsWith('resize_layers.2'))).toBe(false);
    expect(head.stateDictShapes()['resize_layers.0.weight']).toEqual([48, 48, 4, 4]);
    expect(head.stateDictShapes()['scratch.layer4_rn.weight']).toEqual([64, 384, 3, 3]);
    head.dispose();
    expect(DAV2_DPT_CONFIGS.vitl.outChannels).toEqual([256, 512, 1024, 1024]);
  });

  it('maps a 14-px token grid to a non-negative depth map of 14·(h, w), without leaking', () => {
    const head = new DepthAnythingV2DPTHead({ inChannels: 32, features: 16, outChannels: [8, 16, 32, 32], useBn: true });
    head.eval();
    const features = [0, 1, 2, 3].map((i) => ({ patches: tf.randomNormal([1, 3, 5, 32], 0, 1, 'float32', i) }));
    const before = tf.memory().numTensors;
    const depth = head.forward(features);
    expect(depth.shape).toEqual([1, 42, 70, 1]);
    expect(Math.min(...depth.dataSync())).toBeGreaterThanOrEqual(0);
    depth.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(features.map((f) => f.patches));
    head.dispose();
  });
});
