import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile, toTorchLayout } from '@anydepth/core';
import { expectClose, readFixtureBytes, registerGradients, setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { DySample, initPos } from '../src/index.js';

interface Case {
  file: string;
  style: 'lp' | 'pl';
  dyscope: boolean;
}

const CASES: Case[] = [
  { file: 'dysample_lp_dyscope.safetensors', style: 'lp', dyscope: true },
  { file: 'dysample_lp_static.safetensors', style: 'lp', dyscope: false },
  { file: 'dysample_pl_dyscope.safetensors', style: 'pl', dyscope: true },
  { file: 'dysample_pl_static.safetensors', style: 'pl', dyscope: false },
  { file: 'dysample_zero_offset.safetensors', style: 'lp', dyscope: true },
];

const isData = (k: string): boolean => /^(input|output|grad|debug)\./.test(k);

/** Max |error| per backend and tensor, printed at the end for the report. */
const worst: Record<string, number> = {};
function track(key: string, a: tf.Tensor, b: tf.Tensor): void {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  worst[key] = Math.max(worst[key] ?? 0, d);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`DySample fixtures on ${backend}`, () => {
    beforeAll(async () => {
      await setBackend(backend);
      await registerGradients();
    });

    for (const c of CASES) {
      it(`${c.file}: output within atol 1e-4, every gradient within rtol 1e-4 atol 1e-5`, () => {
        const f = SafetensorsFile.fromBytes(readFixtureBytes(c.file));
        const m = new DySample({ inChannels: 16, scale: 2, style: c.style, groups: 4, dyscope: c.dyscope });
        const report = m.loadStateDict(f, { ignore: isData });
        expect(report.loaded.sort()).toEqual(['init_pos', 'offset.bias', 'offset.weight', ...(c.dyscope ? ['scope.weight'] : [])].sort());
        const x = tf.variable(f.tensor('input.x_nhwc')); // [2, 5, 7, 16]
        const R = tf.transpose(f.tensor('input.R'), [0, 2, 3, 1]); // [2, 10, 14, 16]
        const y = m.forward(x);
        expect(y.shape).toEqual([2, 10, 14, 16]);
        const yRef = f.tensor('output.y_nhwc');
        expectClose(y, yRef, { atol: 1e-4, label: `${c.file} output.y` });
        track(`${backend} output.y`, y, yRef);
        if (c.file.includes('zero_offset')) {
          const bil = tf.transpose(f.tensor('output.bilinear_ref'), [0, 2, 3, 1]);
          expectClose(y, bil, { atol: 1e-5, label: 'zero offset vs stored bilinear_ref' });
        }

        const vars: Record<string, tf.Variable> = { 'grad.x': x, 'grad.offset.weight': m.offset.weight };
        if (m.offset.bias) vars['grad.offset.bias'] = m.offset.bias;
        if (m.scope) vars['grad.scope.weight'] = m.scope.weight;
        const names = Object.keys(vars);
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(m.forward(x), R)) as tf.Scalar,
          names.map((n) => vars[n]),
        );
        expectClose(value, f.tensor('output.loss'), { atol: 1e-3, rtol: 1e-5, label: 'loss' });
        for (const n of names) {
          const g = grads[vars[n].name];
          const layout = n === 'grad.x' ? 'none' : n.endsWith('weight') ? 'conv2d' : 'none';
          const got = n === 'grad.x' ? g : toTorchLayout(layout, g);
          const ref = f.tensor(n === 'grad.x' ? 'grad.x_nhwc' : n);
          expect(got.shape).toEqual(ref.shape);
          expectClose(got, ref, { atol: 1e-5, rtol: 1e-4, label: `${c.file} ${n}` });
          track(`${backend} ${n}`, got, ref);
        }
        const stored = f.keys().filter((k) => k.startsWith('grad.') && !k.endsWith('_nhwc'));
        expect(stored.sort()).toEqual(names.sort()); // every stored gradient was checked
        tf.dispose([x, R, y, yRef, value, ...Object.values(grads)]);
        m.parameters().forEach((p) => p.dispose());
      });
    }

    it('init_pos equals the stored official buffer and the spec layout', () => {
      const f = SafetensorsFile.fromBytes(readFixtureBytes('dysample_lp_dyscope.safetensors'));
      expectClose(initPos(2, 4), f.tensor('init_pos'), { atol: 0 });
      expect(Array.from(initPos(2, 4).dataSync())).toEqual([
        ...[-0.25, 0.25, -0.25, 0.25, -0.25, 0.25, -0.25, 0.25, -0.25, 0.25, -0.25, 0.25, -0.25, 0.25, -0.25, 0.25],
        ...[-0.25, -0.25, 0.25, 0.25, -0.25, -0.25, 0.25, 0.25, -0.25, -0.25, 0.25, 0.25, -0.25, -0.25, 0.25, 0.25],
      ]);
    });

    it('the debug offsets match (offsets() in input-pixel units, incl. init_pos)', () => {
      for (const c of CASES) {
        const f = SafetensorsFile.fromBytes(readFixtureBytes(c.file));
        const m = new DySample({ inChannels: 16, style: c.style, dyscope: c.dyscope });
        m.loadStateDict(f, { ignore: isData });
        const off = tf.transpose(m.offsets(f.tensor('input.x_nhwc') as tf.Tensor4D), [0, 3, 1, 2]);
        expectClose(off, f.tensor('debug.offset'), { atol: 1e-5, label: `${c.file} debug.offset` });
      }
    });
  });
}

describe('DySample module', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('has the official names, shapes and initialisation', () => {
    const m = new DySample({ inChannels: 256, scale: 2, style: 'lp', groups: 4, dyscope: true });
    expect(m.stateDictShapes()).toEqual({
      'offset.weight': [32, 256, 1, 1],
      'offset.bias': [32],
      'scope.weight': [32, 256, 1, 1],
      init_pos: [1, 32, 1, 1],
    });
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['init_pos']);
    const w = Array.from(m.offset.weight.dataSync());
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.0009);
    expect(std).toBeLessThan(0.0011);
    expect(Math.max(...m.offset.bias!.dataSync().map(Math.abs))).toBe(0);
    expect(Math.max(...m.scope!.weight.dataSync().map(Math.abs))).toBe(0);
    const pl = new DySample({ inChannels: 16, style: 'pl' });
    expect(pl.stateDictShapes()).toEqual({ 'offset.weight': [8, 4, 1, 1], 'offset.bias': [8], init_pos: [1, 32, 1, 1] });
  });

  it('zero offsets equal resizeBilinear(x, [2H, 2W], false, true)', () => {
    for (const dyscope of [false, true]) {
      const m = new DySample({ inChannels: 8, groups: 4, dyscope });
      m.offset.weight.assign(tf.zerosLike(m.offset.weight));
      const x = tf.randomNormal([2, 6, 9, 8], 0, 1, 'float32', 11) as tf.Tensor4D;
      const y = m.forward(x);
      const ref = tf.image.resizeBilinear(x, [12, 18], false, true);
      expectClose(y, ref, { atol: 1e-5, label: `zero-offset DySample (dyscope ${dyscope})` });
    }
  });

  it('scale 3 and validation errors', () => {
    const m = new DySample({ inChannels: 8, scale: 3, groups: 2 });
    expect(m.forward(tf.zeros([1, 4, 5, 8])).shape).toEqual([1, 12, 15, 8]);
    expect(() => new DySample({ inChannels: 10, groups: 4 })).toThrow(/divisible by groups/);
    expect(() => new DySample({ inChannels: 8, style: 'pl', groups: 2, scale: 3 })).toThrow(/scale²/);
    expect(() => m.forward(tf.zeros([1, 4, 5, 6]))).toThrow(/8 channels/);
  });

  it('samples a band of rows exactly as those rows of the whole output (rowStart)', () => {
    const ds = new DySample({ inChannels: 8, scale: 2, style: 'lp', groups: 2, dyscope: true });
    const x = tf.randomNormal([1, 7, 5, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
    const offset = tf.mul(tf.randomNormal([1, 7, 5, 2 * 2 * 4], 0, 1, 'float32', 4), 3) as tf.Tensor4D; // reaches the border
    const whole = ds.sample(x, offset); // [1, 14, 10, 8]
    const band = ds.sample(x, tf.slice(offset, [0, 2, 0, 0], [1, 3, 5, 16]) as tf.Tensor4D, 2); // input rows 2..4
    expect(band.shape).toEqual([1, 6, 10, 8]);
    expect(Array.from(band.dataSync())).toEqual(Array.from(tf.slice(whole, [0, 4, 0, 0], [1, 6, 10, 8]).dataSync()));
    expect(() => ds.sample(x, offset, 1)).toThrow(/offset rows \[1, 8\) outside the input's 7 rows/);
  });

  it('does not leak tensors', () => {
    const m = new DySample({ inChannels: 8, dyscope: true });
    const x = tf.randomNormal([1, 4, 4, 8]);
    tf.dispose(m.forward(x));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(m.forward(x));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('report', () => {
  it('prints the worst errors', () => {
    console.log('DySample fixture max |error|:', JSON.stringify(worst, null, 1));
    expect(Object.keys(worst).length).toBeGreaterThan(0);
  });
});
