import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWat, fmaVariant } from '../../../scripts/build-wasm.mjs';
import {
  enableRelaxedSimd,
  relaxedSimdSupported,
  registerInferenceKernels,
  registeredInferenceKernels,
  unregisterInferenceKernels,
  winogradConv,
  winogradConvJs,
  winogradFilter,
  WinogradPool,
  winogradState,
} from '../src/index.js';
import { winogradFmaWasmBase64 } from '../src/wasm/winograd-fma-wasm.js';
import { winogradWasmBase64 } from '../src/wasm/winograd-wasm.js';
import { ASYMMETRIC_PAD, type ConvCase, randomValues, relError } from './helpers.js';

interface Case extends ConvCase {
  bias?: boolean;
  activation?: 'linear' | 'relu';
}

/** The conv on the active backend (fused when it has a bias or an activation). */
function conv(c: Case, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(
      randomValues(
        c.x.reduce((a, b) => a * b),
        seed,
      ),
      c.x,
    );
    const cin = c.x[3];
    const w = tf.tensor4d(randomValues(9 * cin * c.cout, seed + 1), [3, 3, cin, c.cout]);
    const bias = c.bias ? tf.tensor1d(randomValues(c.cout, seed + 2)) : undefined;
    const y =
      bias || c.activation ? tf.fused.conv2d({ x, filter: w, strides: 1, pad: c.pad, bias, activation: c.activation ?? 'linear' }) : tf.conv2d(x, w, 1, c.pad);
    return y.dataSync() as Float32Array;
  });
}

const cases: Case[] = [
  { name: "odd H/W (partial tiles), 'same'", x: [1, 13, 11, 32], cout: 32, pad: 'same' },
  { name: "batch 2, 'valid', 48 → 40 channels", x: [2, 10, 9, 48], cout: 40, pad: 'valid' },
  {
    name: 'explicit asymmetric padding, bias',
    x: [1, 9, 17, 36],
    cout: 64,
    pad: ASYMMETRIC_PAD,
    bias: true,
  },
  { name: 'numeric pad 1, bias + ReLU', x: [1, 16, 16, 64], cout: 32, pad: 1, bias: true, activation: 'relu' },
  { name: "256 channels, ReLU without bias, 'same'", x: [1, 7, 21, 256], cout: 256, pad: 'same', activation: 'relu' },
  { name: 'tall and narrow, bias', x: [1, 70, 5, 256], cout: 256, pad: 'same', bias: true },
];

let reference: Float32Array[] = [];

beforeAll(async () => {
  await setBackend('cpu');
  reference = cases.map((c, i) => conv(c, 100 * i));
  await setBackend('wasm');
});

afterAll(() => unregisterInferenceKernels());

describe('Winograd F(4×4, 3×3) WebAssembly kernel', () => {
  it('the embedded module is the compiled winograd.wat (run `npm run wasm` after editing it)', async () => {
    const wat = readFileSync(new URL('../src/wasm/winograd.wat', import.meta.url), 'utf8');
    expect(Buffer.from(await compileWat('winograd.wat', wat)).toString('base64')).toBe(winogradWasmBase64);
    expect(Buffer.from(await compileWat('winograd.wat', wat, { fma: true })).toString('base64')).toBe(winogradFmaWasmBase64);
  });

  it('the FMA variant differs from the plain one exactly in its accumulate-multiplies', () => {
    const wat = readFileSync(new URL('../src/wasm/winograd.wat', import.meta.url), 'utf8');
    const fused = fmaVariant(wat);
    expect(fused.match(/f32x4\.relaxed_madd/g)).toHaveLength(17); // 8 in each GEMM micro-kernel (forward, filter gradient), 1 in a transform
    expect(
      fused.replace(/\(f32x4\.relaxed_madd (\(local\.get \$\w+\)) (\(local\.get \$\w+\)) (\(local\.get \$\w+\))\)/g, '(f32x4.add $3 (f32x4.mul $1 $2))'),
    ).toBe(wat);
    expect(() => fmaVariant('(module)')).toThrow(/no accumulate-multiply/);
  });

  it('Node has relaxed SIMD once enabled (V8 flag in Node 20, built in from Node 22)', async () => {
    expect(await enableRelaxedSimd()).toBe(true);
    expect(relaxedSimdSupported()).toBe(true);
  });

  for (const [threads, fma] of [
    [1, false],
    [1, true],
    [2, false],
    [2, true],
  ] as const) {
    it(`matches the cpu backend's conv2d within 1e-4 of max |out| on ${threads} thread(s), ${fma ? 'FMA' : 'plain SIMD'}`, async () => {
      expect(await registerInferenceKernels({ threads, fma })).toEqual(threads === 1 && !fma ? ['Conv2D/wasm', 'FusedConv2D/wasm', 'Erf/wasm'] : []);
      expect(registeredInferenceKernels()).toEqual(['Conv2D/wasm', 'FusedConv2D/wasm', 'Erf/wasm']);
      expect(winogradState.pool?.threads).toBe(threads);
      expect(winogradState.pool?.fma).toBe(fma);
      await setBackend('wasm');
      for (const [i, c] of cases.entries()) {
        const calls = winogradState.calls;
        const got = conv(c, 100 * i);
        expect(winogradState.calls, `${c.name}: ran through the Winograd kernel`).toBe(calls + 1);
        const err = relError(got, reference[i]);
        console.info(`winograd ${threads} thread(s)${fma ? ' FMA' : ''}, ${c.name}: max |Δ| / max |out| = ${err.toExponential(2)}`);
        expect(err, c.name).toBeLessThan(1e-4);
      }
    });
  }

  it('leaves other convolutions to the stock kernel (stride 2, dilation 2, 1×1, few channels, NCHW-incompatible shapes) and they stay correct', async () => {
    await registerInferenceKernels({ threads: 1 });
    const other = [
      (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, 2, 'same'),
      (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, 1, 'same', 'NHWC', 2),
      (x: tf.Tensor4D, _w: tf.Tensor4D, w1: tf.Tensor4D) => tf.conv2d(x, w1, 1, 'same'),
      (x: tf.Tensor4D, w: tf.Tensor4D) => tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', activation: 'elu' }),
      (x: tf.Tensor4D, _w: tf.Tensor4D, _w1: tf.Tensor4D, small: tf.Tensor4D) => tf.conv2d(tf.slice(x, [0, 0, 0, 0], [1, 9, 9, 8]), small, 1, 'same'),
    ];
    const run = () =>
      other.map((f) =>
        tf.tidy(() => {
          const x = tf.tensor4d(randomValues(9 * 9 * 32, 7), [1, 9, 9, 32]);
          const w = tf.tensor4d(randomValues(9 * 32 * 32, 8), [3, 3, 32, 32]);
          const w1 = tf.tensor4d(randomValues(32 * 32, 9), [1, 1, 32, 32]);
          const small = tf.tensor4d(randomValues(9 * 8 * 8, 10), [3, 3, 8, 8]);
          return f(x, w, w1, small).dataSync() as Float32Array;
        }),
      );
    const calls = winogradState.calls;
    const wasm = run();
    expect(winogradState.calls).toBe(calls);
    await setBackend('cpu');
    const cpu = run();
    await setBackend('wasm');
    for (let i = 0; i < cpu.length; i++) expect(relError(wasm[i], cpu[i]), `case ${i}`).toBeLessThan(1e-5);
  });

  it('keeps tf.memory().numTensors flat over repeated calls (filter transform cached per weight)', async () => {
    await registerInferenceKernels({ threads: 2 });
    const x = tf.tensor4d(randomValues(12 * 12 * 32, 3), [1, 12, 12, 32]);
    const w = tf.tensor4d(randomValues(9 * 32 * 32, 4), [3, 3, 32, 32]);
    const b = tf.tensor1d(randomValues(32, 5));
    const once = () => tf.tidy(() => tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: b, activation: 'relu' }).dataSync());
    const first = once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) expect(once()).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });

  it.each([false, true])('the JavaScript version gives the module’s results, also in bands of 4 output rows and on 2 threads (FMA %s)', async (fma) => {
    const pool = await WinogradPool.create(2, undefined, { fma });
    if (!pool) throw new Error('WebAssembly SIMD with shared memory is expected in Node');
    expect(pool.fma).toBe(fma);
    for (const [n, h, w, cin, cout, padTop, padLeft, outH, outW, relu] of [
      [1, 13, 11, 32, 32, 1, 1, 13, 11, true],
      [2, 9, 10, 12, 16, 2, 1, 9, 10, false],
      [1, 70, 5, 256, 256, 1, 1, 70, 5, true],
    ] as const) {
      const x = randomValues(n * h * w * cin, 11);
      const u = winogradFilter(randomValues(9 * cin * cout, 12), cin, cout);
      const bias = randomValues(cout, 13);
      const args = { x, n, h, w, cin, u, cout, bias, padTop, padLeft, outH, outW, relu };
      const simd = new Float32Array(n * outH * outW * cout);
      const banded = new Float32Array(simd.length);
      const js = new Float32Array(simd.length);
      winogradConv(pool, { ...args, out: simd });
      winogradConv(pool, { ...args, out: banded, bandBytes: 1 }); // every band 4 rows: halos, padding per band
      winogradConvJs({ ...args, out: js });
      expect(relError(js, simd)).toBeLessThan(3e-5); // float64 vs float32 accumulation over 9 · Cin terms
      expect(banded).toEqual(simd);
    }
    pool.dispose();
  });

  it('unregister restores the stock kernels; bad options and shapes get clear errors', async () => {
    const stock = tf.getKernel('Conv2D', 'wasm');
    unregisterInferenceKernels();
    expect(registeredInferenceKernels()).toEqual([]);
    expect(tf.getKernel('Conv2D', 'wasm')).not.toBe(stock);
    expect(winogradState.pool).toBeNull();
    unregisterInferenceKernels(); // twice is harmless
    await expect(registerInferenceKernels({ threads: 0 })).rejects.toThrow(/threads must be an integer/);
    await expect(registerInferenceKernels({ minChannels: 2 })).rejects.toThrow(/minChannels must be an integer ≥ 4/);
    expect(() => winogradFilter(new Float32Array(9 * 4 * 12), 4, 12)).toThrow(/Cout must be a multiple of 8, got 12/);
    expect(() => winogradFilter(new Float32Array(10), 4, 8)).toThrow(/expected a \[3, 3, 4, 8\] filter/);
  });
});
