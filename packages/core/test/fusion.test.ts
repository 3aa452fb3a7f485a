import * as tf from '@tensorflow/tfjs-core';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchNorm2d, Conv2d, ReLU, Sequential, convBnAct, setInferenceFusion } from '../src/index.js';
import { fusedRun } from '../src/internal.js';

/** A conv → BN → ReLU block with non-trivial running statistics and affine parameters. */
function block(conv: Conv2d): Sequential {
  const bn = new BatchNorm2d(conv.outChannels);
  const c = conv.outChannels;
  bn.runningMean!.assign(tf.randomNormal([c], 0, 0.5, 'float32', 11));
  bn.runningVar!.assign(tf.randomUniform([c], 0.2, 2, 'float32', 12));
  bn.weight!.assign(tf.randomNormal([c], 1, 0.3, 'float32', 13));
  bn.bias!.assign(tf.randomNormal([c], 0, 0.3, 'float32', 14));
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
      for (const conv of [new Conv2d(8, 16, 3, { padding: 1, bias: false }), new Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false }), new Conv2d(8, 12, 3, { padding: 1, stride: 2 })]) {
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
  });
}
