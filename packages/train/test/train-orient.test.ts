import * as tf from '@tensorflow/tfjs-core';
import { dinov3Config } from '@anydepth/dinov3';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSeededAnyDepth, evaluateModel, orientDisparity, proceduralSource } from '../src/index.js';

beforeAll(() => setBackend('wasm'));

describe('orientDisparity', () => {
  it('negates an inverted output conv exactly: same aligned metrics, positive least-squares scale', async () => {
    const model = createSeededAnyDepth(
      {
        encoder: dinov3Config({ embedDim: 32, depth: 4, numHeads: 1, intermediateLayers: [0, 1, 2, 3] }),
        fusionChannels: 8,
        layers: [0, 1, 2, 3],
        norm: true,
        minDepth: 0.001,
      },
      2,
    );
    const source = proceduralSource({ count: 6, width: 32, height: 32 });
    const named = model.decoder.namedParameters('decoder');
    const bias = named.filter(([n]) => n.endsWith('.bias')).at(-1)![1];
    const weight = named.find(
      ([n]) =>
        n ===
        named
          .filter(([m]) => m.endsWith('.bias'))
          .at(-1)![0]
          .replace(/\.bias$/, '.weight'),
    )![1];
    tf.tidy(() => bias.assign(tf.fill(bias.shape, 5))); // logits well above 0: ReLU is the identity
    const first = await orientDisparity(model, source);
    expect(first.minLogit).toBeGreaterThan(0);
    if (!first.flipped) {
      // make it inverted by hand, so that the test always exercises the flip
      tf.tidy(() => {
        weight.assign(tf.neg(weight));
        bias.assign(tf.sub(10, bias));
      });
    }
    const before = await evaluateModel(model, source);
    const flip = await orientDisparity(model, source);
    expect(flip.flipped).toBe(true);
    expect(flip.negative).toBeGreaterThan(flip.positive);
    const after = await evaluateModel(model, source);
    expect(Math.abs(after.metrics.absRel - before.metrics.absRel)).toBeLessThan(1e-4);
    expect(Math.abs(after.metrics.delta1 - before.metrics.delta1)).toBeLessThan(1e-3);
    const again = await orientDisparity(model, source);
    expect(again.flipped).toBe(false);
    expect(again.positive).toBe(flip.negative);
    model.dispose();
  });
});
