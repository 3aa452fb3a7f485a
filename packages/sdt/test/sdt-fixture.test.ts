import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { SDTHead, depthFromLogits } from '../src/index.js';
import { disposeFeatures, fixtureFeatures, openFixture } from './helpers.js';

const fixture = openFixture('sdt_head.safetensors');
/** The SDT weights are the `decoder.*` tensors of the end-to-end fixture. */
const weights = openFixture('anydepth_tiny.safetensors');

export function loadFixtureHead(): SDTHead {
  const head = new SDTHead({ inChannels: [128, 128, 128, 128], fusionChannels: 32, outChannels: 1 });
  head.loadStateDict(weights, { prefix: 'decoder.' }); // strict: every official name present, nothing extra
  return head;
}

/** Reads an NCHW fixture tensor as NHWC. */
const nhwcOf = (name: string): tf.Tensor => {
  const t = fixture.tensor(name);
  const out = tf.transpose(t, [0, 2, 3, 1]);
  t.dispose();
  return out;
};

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`SDTHead eval parity with sdt_head.safetensors (${backend})`, () => {
    let head: SDTHead;
    beforeAll(async () => {
      await setBackend(backend);
      head = loadFixtureHead().eval();
    });
    afterAll(() => head.dispose());

    it('has the fixture module size (221,685 trainable parameters)', () => {
      expect(head.numParameters()).toBe(221_685);
    });

    it('logits, depth and the debug intermediates within atol 1e-4', () => {
      const features = fixtureFeatures(fixture, 'a');
      tf.dispose(head.forward(features)); // the first eval call folds each BatchNorm into its conv once, kept by the conv
      const before = tf.memory().numTensors;
      const stages = head.forwardStages(features);
      expect(stages.logits.shape).toEqual([1, 64, 96, 1]);
      const checks: Array<[string, tf.Tensor, tf.Tensor]> = [
        ['debug.a.fused_tokens', tf.reshape(stages.fused, [1, 24, 32]), fixture.tensor('debug.a.fused_tokens')],
        ['debug.a.sde', stages.sde, nhwcOf('debug.a.sde')],
        ['debug.a.up1_1', stages.up1_1, nhwcOf('debug.a.up1_1')],
        ['debug.a.ref1', stages.ref1, nhwcOf('debug.a.ref1')],
        ['output.a.eval.logits', stages.logits, fixture.tensor('output.a.eval.logits')],
        ['output.a.eval.depth', depthFromLogits(stages.logits), fixture.tensor('output.a.eval.depth')],
      ];
      for (const [label, actual, expected] of checks) {
        console.log(expectClose(actual, expected, { atol: 1e-4, label: `${label} (${backend})` }).message);
      }
      tf.dispose(checks.flatMap(([, a, e]) => [a, e]));
      tf.dispose(Object.values(stages));
      expect(tf.memory().numTensors).toBe(before);
      disposeFeatures(features);
    });

    it('forward() equals forwardStages().logits and leaves no tensors behind', () => {
      const features = fixtureFeatures(fixture, 'a');
      const before = tf.memory().numTensors;
      const logits = head.forward(features);
      const expected = fixture.tensor('output.a.eval.logits');
      expectClose(logits, expected, { atol: 1e-4, label: 'forward logits' });
      tf.dispose([logits, expected]);
      expect(tf.memory().numTensors).toBe(before);
      disposeFeatures(features);
    });
  });
}
