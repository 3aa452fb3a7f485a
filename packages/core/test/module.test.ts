import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  GELU,
  Layer,
  LayerNorm,
  Linear,
  ModuleList,
  ReLU,
  Rng,
  SafetensorsFile,
  Sequential,
  StateDictError,
  encodeSafetensors,
  manualSeed,
  saveSafetensors,
} from '../src/index.js';

beforeAll(() => setBackend('cpu'));

class Block extends Layer {
  readonly conv: Conv2d;
  readonly norm: BatchNorm2d;
  readonly proj: Linear;
  readonly dw: Conv2d;
  readonly up: ConvTranspose2d;
  readonly ln: LayerNorm;
  readonly head: Sequential;
  constructor(rng: Rng) {
    super();
    this.conv = this.addModule('conv', new Conv2d(3, 8, 3, { padding: 1, rng }));
    this.dw = this.addModule('dw', new Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false, rng }));
    this.norm = this.addModule('norm', new BatchNorm2d(8));
    this.up = this.addModule('up', new ConvTranspose2d(8, 4, 2, { stride: 2, rng }));
    this.ln = this.addModule('ln', new LayerNorm(4));
    this.proj = this.addModule('proj', new Linear(4, 5, { rng }));
    this.head = this.addModule('head', new Sequential(new GELU(), new Linear(5, 2, { bias: false, rng }), new ReLU()));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.head.forward(this.proj.forward(this.ln.forward(this.up.forward(this.norm.forward(this.dw.forward(this.conv.forward(x))))))));
  }
}

describe('Module', () => {
  it('names parameters and buffers like PyTorch and counts them', () => {
    const m = new Block(new Rng(1));
    const names = m.namedParameters().map(([n]) => n);
    expect(names).toEqual([
      'conv.weight',
      'conv.bias',
      'dw.weight',
      'norm.weight',
      'norm.bias',
      'up.weight',
      'up.bias',
      'ln.weight',
      'ln.bias',
      'proj.weight',
      'proj.bias',
      'head.1.weight',
    ]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['norm.running_mean', 'norm.running_var', 'norm.num_batches_tracked']);
    const shapes = m.stateDictShapes();
    expect(shapes['conv.weight']).toEqual([8, 3, 3, 3]);
    expect(shapes['dw.weight']).toEqual([8, 1, 3, 3]);
    expect(shapes['up.weight']).toEqual([8, 4, 2, 2]);
    expect(shapes['proj.weight']).toEqual([5, 4]);
    expect(shapes['norm.num_batches_tracked']).toEqual([]);
    expect(m.numParameters()).toBe(8 * 27 + 8 + 72 + 16 + 8 * 4 * 4 + 4 + 8 + 20 + 5 + 10);
    m.requiresGrad(false);
    expect(m.numParameters({ trainableOnly: true })).toBe(0);
    m.dispose();
  });

  it('round-trips a state dict through safetensors into a fresh module with identical output', async () => {
    const a = new Block(new Rng(1));
    const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 7);
    a.train();
    a.forward(x).dispose(); // move BN running statistics away from their initial values
    a.eval();
    const bytes = await saveSafetensors(a.stateDict());
    const b = new Block(new Rng(99));
    b.eval();
    const report = b.loadStateDict(SafetensorsFile.fromBytes(bytes));
    expect(report.loaded.length).toBe(15);
    expect(Array.from(b.forward(x).dataSync())).toEqual(Array.from(a.forward(x).dataSync()));
    expect(b.norm.numBatchesTracked!.dataSync()[0]).toBe(1);
  });

  it('reports missing, unexpected and mismatched tensors and changes nothing on failure', () => {
    const m = new Linear(3, 2, { rng: new Rng(3) });
    const before = Array.from(m.weight.dataSync());
    const good = { weight: tf.zeros([2, 3]), bias: tf.zeros([2]) };
    expect(() => m.loadStateDict({ weight: tf.zeros([3, 2]), bias: tf.zeros([2]) })).toThrow(
      /shape mismatch for 1 tensor\(s\): weight expected \[2,3\] but the checkpoint has \[3,2\]/,
    );
    expect(Array.from(m.weight.dataSync())).toEqual(before);
    let err: StateDictError | null = null;
    try {
      m.loadStateDict({ weight: good.weight, extra: tf.zeros([1]) });
    } catch (e) {
      err = e as StateDictError;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.report.missing).toEqual(['bias']);
    expect(err!.report.unexpected).toEqual(['extra']);
    expect(err!.message).toMatch(/missing 1 tensor\(s\): bias/);
    expect(err!.message).toMatch(/unexpected 1 tensor\(s\): extra/);
    const report = m.loadStateDict({ weight: good.weight, extra: tf.zeros([1]) }, { strict: false });
    expect(report.missing).toEqual(['bias']);
    expect(Array.from(m.weight.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const prefixed = m.loadStateDict({ 'decoder.weight': tf.ones([2, 3]), 'decoder.bias': tf.ones([2]), 'input.x': tf.ones([1]) }, { prefix: 'decoder.' });
    expect(prefixed.loaded).toEqual(['weight', 'bias']);
  });

  it('converts official PyTorch layouts at load time', () => {
    // A PyTorch Linear with weight [[1,2,3],[4,5,6]] maps x=[1,1,1] to [6+b0, 15+b1].
    const lin = new Linear(3, 2);
    lin.loadStateDict({
      weight: tf.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      bias: tf.tensor([0.5, -1]),
    });
    expect(Array.from(lin.forward(tf.ones([1, 3])).dataSync())).toEqual([6.5, 14]);
    // Conv2d OIHW: output channel 1 sums input channel 0 over a 2×2 window.
    const conv = new Conv2d(2, 2, 2, { bias: false });
    const w = new Float32Array(2 * 2 * 2 * 2);
    w[(1 * 2 + 0) * 4 + 0] = 1;
    w[(1 * 2 + 0) * 4 + 1] = 1;
    w[(1 * 2 + 0) * 4 + 2] = 1;
    w[(1 * 2 + 0) * 4 + 3] = 1;
    conv.loadStateDict({ weight: tf.tensor(w, [2, 2, 2, 2]) });
    const x = tf.tensor([1, 100, 2, 200, 3, 300, 4, 400], [1, 2, 2, 2]); // NHWC, channel 0 = 1..4
    expect(Array.from(conv.forward(x).dataSync())).toEqual([0, 10]);
    // Depthwise [C,1,kh,kw]: channel c scaled by (c+1).
    const dw = new Conv2d(3, 3, 1, { groups: 3, bias: false });
    dw.loadStateDict({ weight: tf.tensor([1, 2, 3], [3, 1, 1, 1]) });
    expect(Array.from(dw.forward(tf.ones([1, 1, 1, 3])).dataSync())).toEqual([1, 2, 3]);
  });

  it('initialises like PyTorch (kaiming-uniform a=√5 bounds) and reproducibly by seed', () => {
    manualSeed(5);
    const a = new Conv2d(16, 8, 3);
    manualSeed(5);
    const b = new Conv2d(16, 8, 3);
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    const bound = 1 / Math.sqrt(16 * 9);
    const values = a.weight.dataSync();
    expect(Math.max(...values)).toBeLessThanOrEqual(bound);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...values)).toBeGreaterThan(0.9 * bound);
    const rng = new Rng(11);
    rng.normal();
    const state = rng.getState();
    const seq = [rng.next(), rng.normal(), rng.int(10)];
    rng.setState(state);
    expect([rng.next(), rng.normal(), rng.int(10)]).toEqual(seq);
  });

  it('ModuleList names children by index', () => {
    const list = new ModuleList([new Linear(2, 2), new Linear(2, 3)]);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
  });
});

describe('BatchNorm2d', () => {
  it('matches a hand-computed training step and PyTorch running-stat update', () => {
    const bn = new BatchNorm2d(2);
    bn.loadStateDict({
      weight: tf.tensor([2, 1]),
      bias: tf.tensor([0.5, 0]),
      running_mean: tf.tensor([0, 1]),
      running_var: tf.tensor([1, 1]),
      num_batches_tracked: tf.scalar(0, 'int32'),
    });
    // channel 0 values 1,2,3,4 (mean 2.5, biased var 1.25, unbiased 5/3); channel 1 all 7 (var 0).
    const x = tf.tensor([1, 7, 2, 7, 3, 7, 4, 7], [1, 2, 2, 2]);
    bn.train();
    const y = bn.forward(x).dataSync();
    const inv = 1 / Math.sqrt(1.25 + 1e-5);
    const expected0 = [1, 2, 3, 4].map((v) => (v - 2.5) * inv * 2 + 0.5);
    expect(
      Array.from(y)
        .filter((_, i) => i % 2 === 0)
        .map((v, i) => v - expected0[i])
        .every((d) => Math.abs(d) < 1e-5),
    ).toBe(true);
    expect(
      Array.from(y)
        .filter((_, i) => i % 2 === 1)
        .every((v) => Math.abs(v) < 1e-6),
    ).toBe(true);
    const rm = bn.runningMean!.dataSync();
    const rv = bn.runningVar!.dataSync();
    expect(rm[0]).toBeCloseTo(0.9 * 0 + 0.1 * 2.5, 6);
    expect(rm[1]).toBeCloseTo(0.9 * 1 + 0.1 * 7, 6);
    expect(rv[0]).toBeCloseTo(0.9 * 1 + 0.1 * (5 / 3), 6);
    expect(rv[1]).toBeCloseTo(0.9, 6);
    expect(bn.numBatchesTracked!.dataSync()[0]).toBe(1);
    // eval uses the running statistics
    bn.eval();
    const e = bn.forward(x).dataSync();
    expect(e[0]).toBeCloseTo(((1 - rm[0]) / Math.sqrt(rv[0] + 1e-5)) * 2 + 0.5, 5);
    expect(bn.numBatchesTracked!.dataSync()[0]).toBe(1);
  });
});

describe('memory', () => {
  it('keeps numTensors flat across 100 forward passes', () => {
    const m = new Block(new Rng(2));
    const x = tf.randomNormal([1, 4, 4, 3]);
    for (let i = 0; i < 5; i++) m.forward(x).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      m.train(i % 2 === 0);
      m.forward(x).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

it('encodes the state dict of a module without a backend round trip error', () => {
  const m = new Linear(2, 2);
  const sd = m.stateDict();
  const bytes = encodeSafetensors(
    Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.dataSync() as Float32Array }])),
  );
  expect(SafetensorsFile.fromBytes(bytes).keys().sort()).toEqual(['bias', 'weight']);
});
