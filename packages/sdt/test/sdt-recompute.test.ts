import * as tf from '@tensorflow/tfjs-core';
import { expectClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { registerTrainingKernels } from '@anydepth/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { SDTHead } from '../src/index.js';

/** A small head (two layers, C = 8) on a 2×3 token grid, batch 2: 32×48 logits. */
function setup() {
  const head = new SDTHead({ inChannels: [24, 32], fusionChannels: 8 }).train();
  const features = tf.tidy(() => [
    { patches: tf.randomNormal([2, 2, 3, 24], 0, 1, 'float32', 1), cls: tf.randomNormal([2, 24], 0, 1, 'float32', 2) },
    { patches: tf.randomNormal([2, 2, 3, 32], 0, 1, 'float32', 3) },
  ]);
  const weight = tf.randomNormal([2, 32, 48, 1], 0, 1, 'float32', 4);
  return { head, features, weight };
}

type Setup = ReturnType<typeof setup>;

const loss = ({ head, features, weight }: Setup) => tf.sum(tf.mul(head.forward(features), weight)) as tf.Scalar;

function dispose(s: Setup): void {
  tf.dispose([s.weight, ...s.features.flatMap((f) => [f.patches, ...(f.cls ? [f.cls] : [])])]);
  s.head.dispose();
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`SDTHead recomputation on ${backend}`, () => {
    beforeAll(async () => {
      await registerGradients();
      await setBackend(backend);
      if (backend === 'wasm') registerTrainingKernels();
    });

    it('gradients and BatchNorm running statistics with recomputation equal the plain ones within 1e-5', () => {
      const s = setup();
      const named = s.head.namedParameters();
      const params = named.map(([, v]) => v);
      const start = s.head.namedBuffers().map(([n, b]) => [n, tf.clone(b)] as const);
      const plain = tf.variableGrads(() => loss(s), params);
      const plainBuffers = s.head.namedBuffers().map(([n, b]) => [n, tf.clone(b)] as const);
      for (const [n, b] of s.head.namedBuffers()) b.assign(start.find(([m]) => m === n)![1]);
      s.head.recompute = true;
      const before = tf.memory().numTensors;
      const re = tf.variableGrads(() => loss(s), params);
      expectClose(re.value, plain.value, { atol: 1e-5, label: 'loss' });
      // Every parameter with a gradient (the second layer has no class token: its readout gets none).
      expect(Object.keys(re.grads).sort()).toEqual(Object.keys(plain.grads).sort());
      expect(Object.keys(plain.grads).length).toBe(params.length - 2);
      for (const [name, v] of named)
        if (plain.grads[v.name]) expectClose(re.grads[v.name], plain.grads[v.name], { atol: 1e-5, rtol: 1e-5, label: `grad ${name}` });
      // Running statistics advanced once per step, as without recomputation.
      for (const [n, b] of s.head.namedBuffers()) expectClose(b, plainBuffers.find(([m]) => m === n)![1], { atol: 1e-6, label: `buffer ${n}` });
      tf.dispose([re.value, ...Object.values(re.grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([plain.value, ...Object.values(plain.grads), ...start.map(([, b]) => b), ...plainBuffers.map(([, b]) => b)]);
      dispose(s);
    });

    // Float32 central differences through train-mode BatchNorm and ReLU kinks: a parameter the loss is linear in
    // (the last 1×1 conv) to 1e-3 of the gradient's scale, and a full-resolution BatchNorm scale to 3e-2.
    it.each([
      ['output_conv.4.weight', 1e-3],
      ['refinement_2.1.weight', 3e-2],
    ])('the recomputed gradient of %s matches central finite differences (relative %f)', (name, rel) => {
      const s = setup();
      s.head.recompute = true;
      const p = s.head.namedParameters().find(([n]) => n === name)![1];
      const { grads } = tf.variableGrads(() => loss(s), [p]);
      const indices = [0, 3, 5];
      const analytic = grads[p.name].dataSync();
      const base = p.dataSync().slice();
      const eps = 1e-3;
      const at = (i: number, d: number) => {
        const v = base.slice();
        v[i] += d;
        p.assign(tf.tensor(v, p.shape));
        return tf.tidy(() => loss(s).dataSync()[0]);
      };
      const numeric = indices.map((i) => (at(i, eps) - at(i, -eps)) / (2 * eps));
      p.assign(tf.tensor(base, p.shape));
      const scale = Math.max(...indices.map((i) => Math.abs(analytic[i])));
      expectClose(
        indices.map((i) => analytic[i]),
        numeric,
        { atol: rel * scale, label: `d loss / d ${name}` },
      );
      tf.dispose(Object.values(grads));
      dispose(s);
    });
  });
}
