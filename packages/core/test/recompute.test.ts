import * as tf from '@tensorflow/tfjs-core';
import { expectClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm2d, Conv2d, type Layer, ReLU, Rng, recomputeChain, recomputeGrad } from '../src/index.js';

/** Three conv → train-mode BN → ReLU segments, the shape of the SDT head's recomputed blocks. */
function segments(): Layer[][] {
  const rng = new Rng(3);
  return [
    [new Conv2d(4, 8, 3, { padding: 1, rng }), new BatchNorm2d(8), new ReLU()],
    [new Conv2d(8, 8, 3, { padding: 1, rng }), new BatchNorm2d(8), new ReLU()],
    [new Conv2d(8, 2, 1, { rng })],
  ];
}

const run = (seg: Layer[], t: tf.Tensor) => seg.reduce((a, layer) => layer.forward(a), t);

describe('recomputeChain (cpu)', () => {
  beforeAll(async () => {
    await registerGradients();
    await setBackend('cpu');
  });

  it('gives the plain chain’s value, parameter and input gradients and running statistics, and leaves no tensor', () => {
    const segs = segments();
    const layers = segs.flat();
    const params = layers.flatMap((l) => l.trainableParameters());
    const buffers = () => layers.flatMap((l) => l.namedBuffers().map(([, b]) => Array.from(b.dataSync())));
    const x = tf.randomNormal([2, 6, 5, 4], 0, 1, 'float32', 5);
    const w = tf.randomNormal([2, 6, 5, 2], 0, 1, 'float32', 6);
    const start = layers.flatMap((l) => l.namedBuffers().map(([, b]) => tf.clone(b)));
    const restore = () => layers.flatMap((l) => l.namedBuffers()).forEach(([, b], i) => b.assign(start[i]));
    const loss = (chain: boolean) => (xx: tf.Tensor) =>
      tf.sum(
        tf.mul(
          chain
            ? recomputeChain(
                segs.map((s) => ({ modules: s, f: (t) => run(s, t) })),
                xx,
              )
            : segs.reduce((a, s) => run(s, a), xx),
          w,
        ),
      ) as tf.Scalar;
    const grads = (chain: boolean) => {
      restore();
      const [dx, ...dp] = tf.grads(loss(chain))([x, ...params]);
      return { dx, dp, buffers: buffers() };
    };
    const plain = grads(false);
    const before = tf.memory().numTensors;
    const chained = grads(true);
    expectClose(chained.dx, plain.dx, { atol: 1e-5, rtol: 1e-5, label: 'd/dx' });
    chained.dp.forEach((g, i) => expectClose(g, plain.dp[i], { atol: 1e-5, rtol: 1e-5, label: `d/d${params[i].name}` }));
    expect(chained.buffers).toEqual(plain.buffers); // running statistics advanced once, as in the plain chain
    tf.dispose([chained.dx, ...chained.dp]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([plain.dx, ...plain.dp, x, w, ...start]);
    for (const l of layers) l.dispose();
  });

  it('equals recomputeGrad per segment, and refuses an empty chain', () => {
    const segs = segments();
    const x = tf.randomNormal([1, 4, 4, 4], 0, 1, 'float32', 7);
    const perSegment = tf.tidy(() => segs.reduce((a, s) => recomputeGrad(s, (t) => run(s, t), a), x as tf.Tensor).dataSync());
    expect(() => recomputeChain([], x)).toThrow(/no segments/);
    const chained = tf.tidy(() =>
      recomputeChain(
        segs.map((s) => ({ modules: s, f: (t) => run(s, t) })),
        x,
      ).dataSync(),
    );
    expectClose(chained, perSegment, { atol: 1e-6, label: 'forward' });
    tf.dispose(x);
    for (const l of segs.flat()) l.dispose();
  });
});
