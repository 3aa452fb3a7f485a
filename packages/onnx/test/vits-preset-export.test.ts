import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@anydepth/core';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { type AnyDepth, createAnyDepth } from '@anydepth/model';
import { exportOnnx } from '../src/index.js';
import { perturb, runOrt, session, toNchw } from './helpers.js';

describe('AnyDepth-S preset (ViT-S/16 + SDT C=256, random weights) exported to ONNX', () => {
  let model: AnyDepth;
  beforeAll(async () => {
    await setBackend('wasm'); // XNNPACK convolutions: the C=256 head at full resolution is ~10× faster than on cpu
    const rng = new Rng(18);
    model = createAnyDepth('anydepth-vits16', { rng });
    perturb(model, rng);
    model.eval();
  });
  afterAll(() => model.dispose());

  it('one dynamic graph matches tfjs within 1e-4 at 32×48 and 40×40 (padded to 48×48)', async () => {
    const exported = exportOnnx(model, { dynamicAxes: true });
    expect(exported.inputs[0].dims).toEqual(['batch', 3, 'height', 'width']);
    const s = await session(exported.model);
    const rng = new Rng(7);
    for (const [h, w, out] of [
      [32, 48, [1, 1, 32, 48]],
      [40, 40, [1, 1, 48, 48]],
    ] as const) {
      const image = tf.tensor(rng.normalArray(3 * h * w, 0, 1), [1, 3, h, w]);
      const { depth } = await runOrt(s, { image });
      expect(depth.dims).toEqual(out);
      const ours = tf.tidy(() => toNchw(model.forward(tf.transpose(image, [0, 2, 3, 1]))));
      const r = expectClose(depth.data, ours, { atol: 1e-4, label: `ViT-S AnyDepth ${h}×${w}` });
      expect(r.maxAbs).toBeLessThan(1e-4);
      tf.dispose([image, ours]);
    }
    await s.release();
  });
});
