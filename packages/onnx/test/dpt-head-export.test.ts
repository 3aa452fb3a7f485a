import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@anydepth/core';
import { DPTHead, type HeadFeature } from '@anydepth/dpt';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { exportOnnx } from '../src/index.js';
import { isData, openFixture, runOrt, session, toNchw } from './helpers.js';

const fixture = openFixture('dpt_head.safetensors');

describe('DPTHead (dpt_head fixture weights) exported to ONNX', () => {
  let head: DPTHead;
  beforeAll(async () => {
    await setBackend('cpu');
    head = new DPTHead({ inChannels: 128, channels: 32, postProcessChannels: [128, 128, 128, 128], readout: 'ignore', useBatchnorm: true });
    head.loadStateDict(fixture, { ignore: isData });
    head.eval();
  });
  afterAll(() => head.dispose());

  it('a dynamic-grid graph matches tfjs within 1e-4 on the fixture grid (4×6) and on 6×4; the cls token is not an input (readout ignore)', async () => {
    const exported = exportOnnx(head, { inputShape: [1], dynamicAxes: { height: true, width: true } });
    expect(exported.inputs.map((i) => i.name)).toEqual([0, 1, 2, 3].map((i) => `features.${i}.patches`));
    expect(exported.inputs[0].dims).toEqual([1, 128, 'grid_height', 'grid_width']);
    const s = await session(exported.model);
    const rng = new Rng(5);
    const grids: Array<{ label: string; maps: tf.Tensor[] }> = [
      { label: 'fixture a (4×6)', maps: [0, 1, 2, 3].map((i) => fixture.tensor(`input.a.feat.block${i}.patch`)) },
      { label: 'random 6×4', maps: [0, 1, 2, 3].map(() => tf.tensor(rng.normalArray(128 * 24, 0, 1), [1, 128, 6, 4])) },
    ];
    for (const { label, maps } of grids) {
      const feeds = Object.fromEntries(maps.map((m, i) => [`features.${i}.patches`, m]));
      const { logits } = await runOrt(s, feeds);
      const [, , h, w] = maps[0].shape;
      expect(logits.dims).toEqual([1, 1, 16 * h, 16 * w]);
      const features: HeadFeature[] = maps.map((m) => ({ patches: tf.transpose(m, [0, 2, 3, 1]) }));
      const ours = tf.tidy(() => toNchw(head.forward(features)));
      expectClose(logits.data, ours, { atol: 1e-4, label: `DPT logits ${label}` });
      if (label.startsWith('fixture')) expectClose(logits.data, fixture.tensor('output.a.logits'), { atol: 1e-4, label: 'DPT logits vs PyTorch' });
      tf.dispose([...maps, ...features.map((f) => f.patches), ours]);
    }
    await s.release();
  });
});
