import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { DPTHead, depthFromLogits } from '../src/index.js';
import { disposeFeatures, fixtureFeatures, isData, openFixture } from './helpers.js';

const counts = JSON.parse((await import('node:fs')).readFileSync((await import('@anydepth/test-utils')).fixturePath('param_counts.json'), 'utf8'));

describe('DPTHead parameter counts (spec §1.6)', () => {
  beforeAll(() => setBackend('cpu'));
  const cases: Array<[number, number, number]> = [
    [384, 49_643_969, 50_825_153],
    [768, 71_325_761, 76_047_425],
    [1024, 91_187_009, 99_579_713],
  ];
  for (const [d, ignore, project] of cases) {
    it(`D=${d}: readout ignore ${ignore.toLocaleString()}, project ${project.toLocaleString()}`, () => {
      const a = new DPTHead({ inChannels: d });
      expect(a.numParameters()).toBe(ignore);
      a.dispose();
      const b = new DPTHead({ inChannels: d, readout: 'project' });
      expect(b.numParameters()).toBe(project);
      b.dispose();
    });
  }

  it('param_counts.json agrees with the spec numbers used above', () => {
    const text = JSON.stringify(counts);
    for (const n of [49643969, 71325761, 91187009, 50825153, 76047425, 99579713]) expect(text).toContain(String(n));
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`DPTHead fixture parity (${backend})`, () => {
    const file = openFixture('dpt_head.safetensors');
    let head: DPTHead;
    beforeAll(async () => {
      await setBackend(backend);
      head = new DPTHead({ inChannels: 128, channels: 32, postProcessChannels: [128, 128, 128, 128], readout: 'ignore', useBatchnorm: true });
      head.loadStateDict(file, { ignore: isData });
      head.eval();
    });
    afterAll(() => head.dispose());

    it('loads every official tensor by name (strict) and has 841,841 parameters', () => {
      expect(head.numParameters()).toBe(841_841);
      const names = Object.keys(head.stateDictShapes()).sort();
      const stored = file
        .keys()
        .filter((k) => !isData(k))
        .sort();
      expect(names).toEqual(stored);
    });

    it('eval logits and depth within atol 1e-4', () => {
      const features = fixtureFeatures(file, 'a');
      const before = tf.memory().numTensors;
      const logits = head.forward(features);
      expect(logits.shape).toEqual([1, 64, 96, 1]);
      const expected = file.tensor('output.a.logits');
      const r = expectClose(logits, expected, { atol: 1e-4, label: `dpt logits (${backend})` });
      console.log(r.message);
      const depth = depthFromLogits(logits);
      const expectedDepth = file.tensor('output.a.depth');
      console.log(expectClose(depth, expectedDepth, { atol: 1e-4, label: `dpt depth (${backend})` }).message);
      tf.dispose([logits, depth, expected, expectedDepth]);
      expect(tf.memory().numTensors).toBe(before);
      disposeFeatures(features);
    });
  });
}
