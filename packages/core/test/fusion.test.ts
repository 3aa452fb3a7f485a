import * as tf from '@tensorflow/tfjs-core';
import { expectClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchNorm2d, Conv2d, ReLU, Sequential, convBnAct, foldedWeights, setInferenceFusion } from '../src/index.js';
import { fusedRun } from '../src/internal.js';

/** A conv → BN → ReLU block with non-trivial running statistics and affine parameters. */
function block(conv: Conv2d): Sequential {
  const bn = new BatchNorm2d(conv.outChannels);
  const c = conv.outChannels;
  tf.tidy(() => {
    bn.runningMean!.assign(tf.randomNormal([c], 0, 0.5, 'float32', 11));
    bn.runningVar!.assign(tf.randomUniform([c], 0.2, 2, 'float32', 12));
    bn.weight!.assign(tf.randomNormal([c], 1, 0.3, 'float32', 13));
    bn.bias!.assign(tf.randomNormal([c], 0, 0.3, 'float32', 14));
  });
  return new Sequential(conv, bn, new ReLU());
}

/** Output of `f` with fusion on and off. */
function bothWays(f: () => tf.Tensor): { fused: Float32Array; plain: Float32Array } {
  setInferenceFusion(true);
  const fused = tf.tidy(f).dataSync() as Float32Array;
  setInferenceFusion(false);
  const plain = tf.tidy(f).dataSync() as Float32Array;
  setInferenceFusion(true);
  return { fused, plain };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused inference (${backend})`, () => {
    beforeAll(() => setBackend(backend));
    afterEach(() => {
      setInferenceFusion(true);
      vi.restoreAllMocks();
    });

    const x = () => tf.randomNormal([2, 9, 11, 8], 0, 1, 'float32', 1);

    it('folds eval-mode BatchNorm and ReLU into a 3×3 conv with bias: same output as layer by layer', () => {
      const seq = block(new Conv2d(8, 16, 3, { padding: 1 })).eval();
      const input = x();
      const { fused, plain } = bothWays(() => seq.forward(input));
      expectClose(fused, plain, { atol: 1e-5, rtol: 1e-5, label: 'conv+bn+relu' });
      expect(plain.some((v) => v === 0) && plain.some((v) => v > 0)).toBe(true); // the ReLU is active
      tf.dispose(input);
      seq.dispose();
    });

    it('folds into a bias-free conv, a depthwise conv and a strided conv', () => {
      const input = x();
      for (const conv of [
        new Conv2d(8, 16, 3, { padding: 1, bias: false }),
        new Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false }),
        new Conv2d(8, 12, 3, { padding: 1, stride: 2 }),
      ]) {
        const seq = block(conv).eval();
        const { fused, plain } = bothWays(() => seq.forward(input));
        expectClose(fused, plain, { atol: 1e-5, rtol: 1e-5, label: `${conv.depthwise ? 'depthwise' : 'conv'} stride ${conv.stride}` });
        seq.dispose();
      }
      tf.dispose(input);
    });

    it('runs one fused convolution per conv → BN → ReLU run and none in training mode', () => {
      const seq = new Sequential(new Conv2d(8, 8, 3, { padding: 1 }), new ReLU(), block(new Conv2d(8, 4, 1)).layers[0], new BatchNorm2d(4), new ReLU()).eval();
      const input = x();
      const fusedSpy = vi.spyOn(tf.fused, 'conv2d');
      tf.dispose(seq.forward(input));
      expect(fusedSpy).toHaveBeenCalledTimes(2);
      expect(fusedRun(seq.layers, 0)).toMatchObject({ length: 2, bn: null, activation: 'relu' });
      expect(fusedRun(seq.layers, 2)).toMatchObject({ length: 3, activation: 'relu' });
      fusedSpy.mockClear();
      seq.train();
      tf.dispose(seq.forward(input));
      expect(fusedSpy).not.toHaveBeenCalled();
      tf.dispose(input);
      seq.dispose();
    });

    it('leaves the stored parameters and the state dict untouched', () => {
      const seq = block(new Conv2d(8, 16, 3, { padding: 1 })).eval();
      const values = () => {
        const dict = seq.stateDict();
        const out = Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, Array.from(t.dataSync())]));
        tf.dispose(Object.values(dict));
        return out;
      };
      const before = values();
      const input = x();
      tf.dispose(seq.forward(input));
      expect(values()).toEqual(before);
      expect(Object.keys(before)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
      tf.dispose(input);
      seq.dispose();
    });

    it('convBnAct refuses a BatchNorm of the wrong width and a BatchNorm in training mode', () => {
      const conv = new Conv2d(8, 16, 3, { padding: 1 });
      const input = x();
      expect(() => convBnAct(conv, new BatchNorm2d(8).eval(), 'relu', input)).toThrow(/BatchNorm2d\(8\) after a conv with 16 outputs/);
      expect(() => convBnAct(conv, new BatchNorm2d(16), 'relu', input)).toThrow(/needs eval mode/);
      tf.dispose(input);
      conv.dispose();
    });

    it('keeps the tensor count flat over repeated fused forwards', () => {
      const seq = block(new Conv2d(8, 16, 3, { padding: 1 })).eval();
      const input = x();
      tf.dispose(seq.forward(input));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) tf.dispose(seq.forward(input));
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(input);
      seq.dispose();
    });
    it('keeps one folded filter between calls, so kernels that cache by filter id hit', () => {
      const seq = block(new Conv2d(8, 16, 3, { padding: 1 })).eval();
      const input = x();
      const fusedSpy = vi.spyOn(tf.fused, 'conv2d');
      tf.dispose(seq.forward(input));
      tf.dispose(seq.forward(input));
      const filters = fusedSpy.mock.calls.map((c) => (c[0].filter as tf.Tensor).dataId);
      expect(filters).toHaveLength(2);
      expect(filters[1]).toBe(filters[0]);
      expect(filters[0]).not.toBe(seq.layers[0] instanceof Conv2d && seq.layers[0].weight.dataId); // the folded copy, not the raw weight
      tf.dispose(input);
      seq.dispose();
    });

    it('refolds after any of the six tensors changes (assign, loadStateDict), matching the unfused graph', () => {
      const seq = block(new Conv2d(8, 16, 3, { padding: 1 })).eval();
      const conv = seq.layers[0] as Conv2d;
      const bn = seq.layers[1] as BatchNorm2d;
      const input = x();
      const check = (label: string) => {
        const { fused, plain } = bothWays(() => seq.forward(input));
        expectClose(fused, plain, { atol: 1e-5, rtol: 1e-5, label });
        return fused;
      };
      const first = check('first call');
      const edits: Array<[string, () => void]> = [
        ['conv.weight', () => conv.weight.assign(tf.mul(conv.weight, 1.5))],
        ['conv.bias', () => conv.bias!.assign(tf.add(conv.bias!, 0.25))],
        ['bn.weight', () => bn.weight!.assign(tf.mul(bn.weight!, -1))],
        ['bn.bias', () => bn.bias!.assign(tf.add(bn.bias!, 0.5))],
        ['bn.running_mean', () => bn.runningMean!.assign(tf.add(bn.runningMean!, 0.3))],
        ['bn.running_var', () => bn.runningVar!.assign(tf.mul(bn.runningVar!, 2))],
        [
          'loadStateDict',
          () => {
            const dict = seq.stateDict();
            const changed = { ...dict, '1.running_mean': tf.fill([16], 0.7) };
            seq.loadStateDict(changed);
            tf.dispose(Object.values(changed));
          },
        ],
      ];
      let previous = first;
      for (const [label, edit] of edits) {
        tf.tidy(edit);
        const now = check(`after ${label}`);
        expect(
          now.some((v, i) => Math.abs(v - previous[i]) > 1e-4),
          `${label} changed the output`,
        ).toBe(true);
        previous = now;
      }
      tf.dispose(input);
      seq.dispose();
    });

    it('disposes the kept fold with the module (no tensor left behind)', () => {
      const before = tf.memory().numTensors;
      const model = new Sequential(block(new Conv2d(8, 16, 3, { padding: 1 })), block(new Conv2d(16, 8, 1))).eval();
      const input = x();
      tf.dispose(model.forward(input));
      const conv = (model.layers[0] as Sequential).layers[0] as Conv2d;
      const bn = (model.layers[0] as Sequential).layers[1] as BatchNorm2d;
      expect(foldedWeights(conv, bn).weight.isDisposed).toBe(false);
      tf.dispose(input);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('drops the kept fold when the module enters training mode (its weights then change every step)', () => {
      const seq = block(new Conv2d(8, 16, 3, { padding: 1 })).eval();
      const input = x();
      const before = tf.memory().numTensors;
      tf.dispose(seq.forward(input));
      expect(tf.memory().numTensors).toBe(before + 2); // folded weight and bias
      expect((seq.layers[0] as Conv2d).foldCache).not.toBeNull();
      seq.train();
      expect((seq.layers[0] as Conv2d).foldCache).toBeNull();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(input);
      seq.dispose();
    });
  });
}

// The wasm backward kernels live in @anydepth/kernels (a package above core), so the tape check runs on cpu.
describe('fused inference under a gradient tape (cpu)', () => {
  beforeAll(() => setBackend('cpu'));
  afterEach(() => setInferenceFusion(true));

  it('lets gradients reach the conv and BN parameters in eval mode (the fold is recorded, not cached)', async () => {
    await registerGradients();
    const seq = block(new Conv2d(8, 16, 3, { padding: 1 })).eval();
    const input = tf.randomNormal([2, 9, 11, 8], 0, 1, 'float32', 1);
    tf.dispose(seq.forward(input)); // fills the fold cache
    const grads = (fused: boolean) => {
      setInferenceFusion(fused);
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(seq.forward(input))) as tf.Scalar);
      setInferenceFusion(true);
      const out = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]));
      tf.dispose(Object.values(grads));
      return out;
    };
    const fused = grads(true);
    const plain = grads(false);
    const conv = seq.layers[0] as Conv2d;
    const bn = seq.layers[1] as BatchNorm2d;
    for (const v of [conv.weight, conv.bias!, bn.weight!, bn.bias!]) {
      expect(fused[v.name], v.name).toBeDefined();
      expectClose(fused[v.name], plain[v.name], { atol: 1e-4, rtol: 1e-4, label: v.name });
      expect(fused[v.name].some((g) => g !== 0)).toBe(true);
    }
    tf.dispose(input);
    seq.dispose();
  });
});
