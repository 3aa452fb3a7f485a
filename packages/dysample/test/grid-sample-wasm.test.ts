import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { compareClose, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWat } from '../../../scripts/build-wasm.mjs';
import { GRID_SAMPLE, GRID_SAMPLE_GRAD, type GridSamplePadding, gridSampleModuleFor, registerGridSampleKernels, setGridSampleWasmSimd } from '../src/index.js';
import { gridSampleUnsharedWasmBase64 } from '../src/wasm/grid-sample-unshared-wasm.js';
import { gridSampleWasmBase64 } from '../src/wasm/grid-sample-wasm.js';
import { uniform } from './helpers.js';

/** Grid values well outside [-1, 1], non-finite and huge ones: every border and skip rule of the walk. */
const SPECIAL = [Number.NaN, Infinity, -Infinity, 1e10, -1e10, 1, -1, 0, 1.0000001, -3.7, 2.5, 0.5, -0.5, 37.3];

interface Case {
  name: string;
  x: [number, number, number, number];
  out: [number, number];
  groups: number;
  paddingMode: GridSamplePadding;
  alignCorners: boolean;
}

const cases: Case[] = [
  { name: "DySample's: border, 4 groups of 8 channels, ×2", x: [2, 6, 5, 32], out: [12, 10], groups: 4, paddingMode: 'border', alignCorners: false },
  { name: 'zeros, align corners, 1 group of 12', x: [1, 7, 9, 12], out: [5, 11], groups: 1, paddingMode: 'zeros', alignCorners: true },
  { name: 'border, align corners, 2 groups of 4', x: [3, 4, 4, 8], out: [6, 3], groups: 2, paddingMode: 'border', alignCorners: true },
  { name: 'zeros, 64-channel groups', x: [1, 5, 6, 128], out: [9, 4], groups: 2, paddingMode: 'zeros', alignCorners: false },
];

/** Forward and both gradients of Σ gridSample(x, grid) ⊙ r through the registered wasm kernels. */
function run(c: Case, special: boolean) {
  const [b, h, w, ch] = c.x;
  const gridShape = [b * c.groups, c.out[0], c.out[1], 2];
  const g = uniform(
    gridShape.reduce((p, q) => p * q),
    -1.3,
    1.3,
    5,
  );
  if (special) for (let i = 0; i < g.length; i += 3) g[i] = SPECIAL[(i / 3) % SPECIAL.length];
  return tf.tidy(() => {
    const x = tf.tensor(uniform(b * h * w * ch, -2, 2, 3), c.x);
    const grid = tf.tensor(g, gridShape);
    const attrs = { mode: 'bilinear', paddingMode: c.paddingMode, alignCorners: c.alignCorners, groups: c.groups };
    const y = tf.engine().runKernel(GRID_SAMPLE, { x, grid }, attrs as never) as tf.Tensor;
    const dy = tf.tensor(uniform(y.size, -1, 1, 9), y.shape);
    const [dx, dgrid] = tf.engine().runKernel(GRID_SAMPLE_GRAD, { dy, x, grid }, attrs as never) as tf.Tensor[];
    return [y, dx, dgrid].map((t) => t.dataSync() as Float32Array);
  });
}

beforeAll(async () => {
  await setBackend('wasm');
  registerGridSampleKernels();
});

afterAll(() => setGridSampleWasmSimd(true));

describe('grid sampling on the wasm SIMD module vs the typed-array reference', () => {
  it('embeds the compiled grid-sample.wat, shared and unshared (run `npm run wasm` after editing it)', async () => {
    const wat = readFileSync(new URL('../src/wasm/grid-sample.wat', import.meta.url), 'utf8');
    expect(Buffer.from(await compileWat('grid-sample.wat', wat)).toString('base64')).toBe(gridSampleWasmBase64);
    expect(Buffer.from(await compileWat('grid-sample.wat', wat, { unshared: true })).toString('base64')).toBe(gridSampleUnsharedWasmBase64);
  });

  for (const c of cases) {
    for (const special of [false, true]) {
      it(`${c.name}${special ? ', with NaN / ±Inf / huge coordinates' : ''}: out, dx and dgrid agree to 1e-5`, () => {
        const memory = (tf.backend() as unknown as { wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } } }).wasm;
        expect(gridSampleModuleFor((memory.wasmMemory ?? memory.asm?.memory)!)).not.toBeNull();
        setGridSampleWasmSimd(false);
        const want = run(c, special);
        setGridSampleWasmSimd(true);
        const got = run(c, special);
        for (const [i, label] of ['out', 'dx', 'dgrid'].entries()) {
          expect(Array.from(got[i]).every(Number.isFinite), `${label} finite`).toBe(true);
          const r = compareClose(got[i], want[i], { atol: 1e-5, rtol: 1e-5, label });
          expect(r.ok, r.message).toBe(true);
        }
        // the module ran: float32 blending differs from the reference's float64 in the last bits somewhere
        expect(got.some((g, i) => g.some((v, j) => v !== want[i][j]))).toBe(true);
      });
    }
  }

  it('keeps tf.memory().numTensors flat', () => {
    run(cases[0], false);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run(cases[0], true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
