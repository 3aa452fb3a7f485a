import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BatchNorm2d, Conv2d, ReLU, Sequential, manualSeed } from '@anydepth/core';
import { compareClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { registerTrainingKernels } from '../src/index.js';
import { randomValues } from './helpers.js';

/**
 * A small conv net with every op the training kernels serve: a patch-embed conv (16×16 stride 16), a 3×3
 * stride-2 conv, a depthwise 3×3 conv with channel multiplier 2, BatchNorm (training mode), a 1×1 conv and an
 * embedding gather. Returns the loss and every parameter's gradient on the active backend.
 */
function lossAndGrads(): { loss: number; grads: Map<string, Float32Array> } {
  manualSeed(7);
  const patch = new Conv2d(3, 6, 16, { stride: 16 });
  const body = new Sequential(
    new Conv2d(3, 8, 3, { stride: 2, padding: 1 }),
    new Conv2d(8, 16, 3, { padding: 1, groups: 8, bias: false }), // depthwise, multiplier 2
    new BatchNorm2d(16),
    new ReLU(),
    new Conv2d(16, 6, 1),
  );
  body.train();
  const table = tf.variable(tf.tensor2d(randomValues(10 * 6, 3), [10, 6]), true, 'embedding');
  const x = tf.tensor4d(randomValues(2 * 33 * 31 * 3, 1), [2, 33, 31, 3]); // odd sizes
  const ids = tf.tensor1d([3, 7], 'int32');
  const target = tf.tensor4d(randomValues(2 * 17 * 16 * 6, 2), [2, 17, 16, 6]);
  const vars = [...patch.trainableParameters(), ...body.trainableParameters(), table];
  const { value, grads } = tf.variableGrads(
    () =>
      tf.tidy(() => {
        const y = body.forward(x); // [2, 17, 16, 6]
        const p = tf.mean(patch.forward(x), [1, 2], true); // [2, 1, 1, 6]
        const e = tf.reshape(tf.gather(table, ids), [2, 1, 1, 6]); // [2, 1, 1, 6]
        return tf.mean(tf.square(tf.sub(tf.add(tf.add(y, p), e), target))) as tf.Scalar;
      }),
    vars,
  );
  const out = new Map<string, Float32Array>();
  vars.forEach((v, i) => out.set(`${i}:${v.shape}`, Float32Array.from(grads[v.name].dataSync())));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads), x, ids, target, ...vars]);
  return { loss, grads: out };
}

describe('end to end: tf.variableGrads of a conv net on wasm equals the cpu result', () => {
  it('patch embed + conv + depthwise conv + BatchNorm + gather', async () => {
    await registerGradients();
    await setBackend('cpu');
    const ref = lossAndGrads(); // stock cpu kernels
    await setBackend('wasm');
    registerTrainingKernels();
    const got = lossAndGrads();
    expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
    expect([...got.grads.keys()]).toEqual([...ref.grads.keys()]);
    let worst = 0;
    for (const [name, g] of ref.grads) {
      const r = compareClose(got.grads.get(name)!, g, { atol: 1e-4, rtol: 1e-4, label: name });
      worst = Math.max(worst, r.maxAbs);
      expect(r.ok, r.message).toBe(true);
    }
    console.log(`loss ${got.loss} (cpu ${ref.loss}); ${ref.grads.size} gradients, max |wasm − cpu| ${worst.toExponential(2)}`);
  });
});
