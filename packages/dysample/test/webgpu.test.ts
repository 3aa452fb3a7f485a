import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile, toTorchLayout } from '@anydepth/core';
import { compareClose, readFixtureBytes, registerGradients } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DySample,
  type GridSampleAttrs,
  type GridSampleMode,
  type GridSamplePadding,
  gridSample,
  gridSampleBackward,
  gridSampleForward,
  hasGridSampleKernel,
} from '../src/index.js';
import { adapterDescription, setupWebGPU } from '@anydepth/test-utils/webgpu';
import { uniform } from './helpers.js';

/**
 * The WGSL kernels against the typed-array reference and the DySample fixtures. Needs a WebGPU
 * adapter: Dawn via the `webgpu` package plus a Vulkan driver (on CI: `apt-get install -y libvulkan1
 * chromium`, SwiftShader). This file FAILS when no adapter is found, like model's webgpu test: a
 * missing adapter must never pass as "nothing to test".
 */

async function check(actual: tf.Tensor, expected: ArrayLike<number>, atol: number, rtol: number, label: string): Promise<number> {
  const r = compareClose((await actual.data()) as Float32Array, expected, { atol, rtol, label });
  expect(r.ok, r.message).toBe(true);
  return r.maxAbs;
}

const worst: Record<string, number> = {};

describe('webgpu backend', () => {
  beforeAll(async () => {
    await registerGradients();
    const why = await setupWebGPU();
    if (why) throw new Error(`WebGPU unavailable: ${why}`);
  });

  it('runs on a WebGPU adapter with the WGSL grid-sample kernel registered', () => {
    console.log(`webgpu adapter: ${adapterDescription}`);
    expect(tf.getBackend()).toBe('webgpu');
    expect(hasGridSampleKernel('webgpu')).toBe(true);
  });

  it('WGSL forward and backward equal the reference for every mode × padding × alignCorners (1e-5), incl. NaN/Inf/out-of-range', async () => {
    const xs = [2, 6, 5, 3] as const;
    const gs = [2, 4, 7, 2] as const;
    const xv = uniform(2 * 6 * 5 * 3, -2, 2, 7);
    const rv = uniform(2 * 4 * 7 * 3, -1, 1, 9);
    const x = tf.tensor4d(xv, [...xs]);
    const R = tf.tensor4d(rv, [2, 4, 7, 3]);
    const special = [Number.NaN, Infinity, -Infinity, 1e10, -1e10, 1, -1, 0, 0.5, -0.5, 37.3, -41.9, 2.5];
    for (const mode of ['bilinear', 'nearest'] as GridSampleMode[]) {
      for (const paddingMode of ['zeros', 'border', 'reflection'] as GridSamplePadding[]) {
        for (const alignCorners of [false, true]) {
          const attrs: GridSampleAttrs = { mode, paddingMode, alignCorners };
          const label = `${mode}/${paddingMode}/${alignCorners}`;
          for (const withSpecial of [false, true]) {
            const gv = uniform(2 * 4 * 7 * 2, -1.6, 1.6, 13);
            const values = paddingMode === 'reflection' ? special.filter((v) => Math.abs(v) !== 1e10) : special;
            if (withSpecial) for (let i = 0; i < gv.length; i += 5) gv[i] = values[(i / 5) % values.length];
            const grid = tf.tensor4d(gv, [...gs]);
            const ref = new Float32Array(2 * 4 * 7 * 3);
            gridSampleForward(xv, xs, gv, gs, attrs, ref);
            const y = gridSample(x, grid, attrs);
            worst[`forward`] = Math.max(worst.forward ?? 0, await check(y, ref, 1e-5, 1e-5, `${label} forward special=${withSpecial}`));
            const dxRef = new Float32Array(xv.length);
            const dgRef = new Float32Array(gv.length);
            gridSampleBackward(rv, xv, xs, gv, gs, attrs, dxRef, dgRef);
            const [dx, dg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(gridSample(a, b, attrs), R)) as tf.Scalar)([x, grid]);
            worst.dx = Math.max(worst.dx ?? 0, await check(dx, dxRef, 1e-5, 1e-5, `${label} dx special=${withSpecial}`));
            worst.dgrid = Math.max(worst.dgrid ?? 0, await check(dg, dgRef, 1e-5, 1e-5, `${label} dgrid special=${withSpecial}`));
            tf.dispose([grid, y, dx, dg]);
          }
        }
      }
    }
    // Channel groups: x [2, 6, 5, 6] with grid [6, 4, 7, 2] (G = 3).
    const xg = uniform(2 * 6 * 5 * 6, -2, 2, 41);
    const rg = uniform(2 * 4 * 7 * 6, -1, 1, 42);
    const gg = uniform(6 * 4 * 7 * 2, -1.6, 1.6, 43);
    for (const paddingMode of ['zeros', 'border', 'reflection'] as GridSamplePadding[]) {
      const attrs: GridSampleAttrs = { mode: 'bilinear', paddingMode, alignCorners: false, groups: 3 };
      const ref = new Float32Array(rg.length);
      gridSampleForward(xg, [2, 6, 5, 6], gg, [6, 4, 7, 2], attrs, ref);
      const dxRef = new Float32Array(xg.length);
      const dgRef = new Float32Array(gg.length);
      gridSampleBackward(rg, xg, [2, 6, 5, 6], gg, [6, 4, 7, 2], attrs, dxRef, dgRef);
      const xt = tf.tensor4d(xg, [2, 6, 5, 6]);
      const gt = tf.tensor4d(gg, [6, 4, 7, 2]);
      const Rt = tf.tensor4d(rg, [2, 4, 7, 6]);
      await check(gridSample(xt, gt, attrs), ref, 1e-5, 1e-5, `groups ${paddingMode} forward`);
      const [dx, dg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(gridSample(a, b, attrs), Rt)) as tf.Scalar)([xt, gt]);
      await check(dx, dxRef, 1e-5, 1e-5, `groups ${paddingMode} dx`);
      await check(dg, dgRef, 1e-5, 1e-5, `groups ${paddingMode} dgrid`);
    }
    tf.dispose([x, R]);
  });

  it('DySample fixtures on webgpu: output atol 1e-4, gradients rtol 1e-4 atol 1e-5', async () => {
    const isData = (k: string): boolean => /^(input|output|grad|debug)\./.test(k);
    for (const [file, style, dyscope] of [
      ['dysample_lp_dyscope.safetensors', 'lp', true],
      ['dysample_lp_static.safetensors', 'lp', false],
      ['dysample_pl_dyscope.safetensors', 'pl', true],
      ['dysample_pl_static.safetensors', 'pl', false],
      ['dysample_zero_offset.safetensors', 'lp', true],
    ] as const) {
      const f = SafetensorsFile.fromBytes(readFixtureBytes(file));
      const m = new DySample({ inChannels: 16, style, dyscope });
      m.loadStateDict(f, { ignore: isData });
      const x = tf.variable(f.tensor('input.x_nhwc'));
      const R = tf.transpose(f.tensor('input.R'), [0, 2, 3, 1]);
      const yRef = f.get('output.y_nhwc')!.data as Float32Array;
      worst['dysample output.y'] = Math.max(worst['dysample output.y'] ?? 0, await check(m.forward(x), yRef, 1e-4, 0, `${file} output.y`));
      const vars: Record<string, tf.Variable> = { 'grad.x': x, 'grad.offset.weight': m.offset.weight };
      if (m.offset.bias) vars['grad.offset.bias'] = m.offset.bias;
      if (m.scope) vars['grad.scope.weight'] = m.scope.weight;
      const names = Object.keys(vars);
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(m.forward(x), R)) as tf.Scalar,
        names.map((n) => vars[n]),
      );
      for (const n of names) {
        const g = grads[vars[n].name];
        const got = n === 'grad.x' ? g : toTorchLayout(n.endsWith('weight') ? 'conv2d' : 'none', g);
        const ref = f.get(n === 'grad.x' ? 'grad.x_nhwc' : n)!.data as Float32Array;
        worst[`dysample ${n}`] = Math.max(worst[`dysample ${n}`] ?? 0, await check(got, ref, 1e-5, 1e-4, `${file} ${n}`));
      }
    }
    console.log('webgpu max |error|:', JSON.stringify(worst, null, 1));
  });
});
