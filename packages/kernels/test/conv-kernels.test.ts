import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareClose, setBackend } from '@anydepth/test-utils';
import { registerInferenceKernels, registerTrainingKernels, unregisterInferenceKernels, winogradState } from '../src/index.js';
import { randomValues, runOn } from './helpers.js';

const TOL = { atol: 1e-4, rtol: 1e-4 };
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  x: number[];
  filter: number[];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** dy's shape for a forward conv of x with the filter (computed by tfjs itself). */
function outShape(c: ConvCase, depthwise: boolean): number[] {
  const info = tf.backend_util.computeConv2DInfo(c.x as never, c.filter as never, c.strides, c.dilations ?? 1, c.pad as never, c.dimRoundingMode, depthwise);
  return info.outShape;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await setBackend('cpu');
  await setBackend('wasm');
  registerTrainingKernels();
});

const convCases: ConvCase[] = [
  { name: '1x1', x: [2, 5, 7, 8], filter: [1, 1, 8, 6], strides: 1, pad: 'valid' },
  { name: '1x1 stride 2', x: [1, 7, 6, 5], filter: [1, 1, 5, 3], strides: 2, pad: 'valid' },
  { name: '3x3 pad 1', x: [2, 9, 11, 5], filter: [3, 3, 5, 7], strides: 1, pad: 1 },
  { name: '3x3 same stride 2 odd size', x: [1, 13, 10, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'same' },
  { name: '3x3 valid wide channels', x: [2, 8, 8, 40], filter: [3, 3, 40, 24], strides: 1, pad: 'valid' },
  { name: '16x16 stride 16 patch embed', x: [2, 32, 48, 3], filter: [16, 16, 3, 12], strides: 16, pad: 'valid' },
  { name: '5x5 stride 3 odd', x: [1, 17, 14, 3], filter: [5, 5, 3, 2], strides: 3, pad: 'same' },
  {
    name: 'explicit padding, strides [2, 1], 3x2 filter',
    x: [2, 9, 8, 4],
    filter: [3, 2, 4, 5],
    strides: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  {
    name: 'explicit asymmetric padding, stride 1',
    x: [2, 7, 9, 3],
    filter: [3, 3, 3, 4],
    strides: 1,
    pad: [
      [0, 0],
      [0, 2],
      [1, 0],
      [0, 0],
    ],
  },
  { name: '2x2 same stride 1 (asymmetric same padding)', x: [1, 6, 7, 5], filter: [2, 2, 5, 3], strides: 1, pad: 'same' },
  { name: 'stride 2 pad 1 stride-ceil rounding', x: [1, 10, 9, 6], filter: [3, 3, 6, 4], strides: 2, pad: 1, dimRoundingMode: 'ceil' },
  // 8192 pixels × 576 columns: the filter gradient's sum runs in two chunks (7281 + 911 rows, across the batch).
  { name: '3x3 pad 1, im2col over the 16 MiB chunk', x: [2, 64, 64, 64], filter: [3, 3, 64, 8], strides: 1, pad: 1 },
];

describe('Conv2DBackpropFilter (wasm) vs the cpu reference kernel', () => {
  it.each(convCases)('$name', async (c) => {
    const dyShape = outShape(c, false);
    const inputs = {
      x: { values: randomValues(size(c.x), 1), shape: c.x },
      dy: { values: randomValues(size(dyShape), 2), shape: dyShape },
    };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, filterShape: c.filter };
    const ref = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
    expect(got.shape).toEqual(c.filter);
    const r = compareClose(got.values, ref.values, { ...TOL, label: c.name });
    expect(r.ok, r.message).toBe(true);
  });
});

describe('Conv2DBackpropInput (wasm: flipped-filter forward conv for stride 1, stock kernel otherwise) vs the cpu reference kernel', () => {
  it.each(convCases)('$name', async (c) => {
    const dyShape = outShape(c, false);
    const inputs = {
      dy: { values: randomValues(size(dyShape), 11), shape: dyShape },
      filter: { values: randomValues(size(c.filter), 12), shape: c.filter },
    };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, inputShape: c.x };
    const ref = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
    expect(got.shape).toEqual(c.x);
    const r = compareClose(got.values, ref.values, { ...TOL, label: c.name });
    expect(r.ok, r.message).toBe(true);
  });
});

describe('Conv2DBackpropInput with the Winograd kernel registered too (as anydepth train on wasm): the flipped-filter conv runs there', () => {
  const winogradCases: ConvCase[] = [
    { name: '3x3 pad 1, 16 → 8 channels', x: [2, 12, 10, 8], filter: [3, 3, 8, 16], strides: 1, pad: 1 },
    { name: '3x3 same, 8 → 24 channels, odd sides', x: [1, 9, 13, 24], filter: [3, 3, 24, 8], strides: 1, pad: 'same' },
  ];
  it.each(winogradCases)('$name', async (c) => {
    const dyShape = outShape(c, false);
    const inputs = {
      dy: { values: randomValues(size(dyShape), 21), shape: dyShape },
      filter: { values: randomValues(size(c.filter), 22), shape: c.filter },
    };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
    const ref = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    await setBackend('wasm');
    expect(await registerInferenceKernels({ minChannels: 8 })).toContain('Conv2D/wasm');
    try {
      const calls = winogradState.calls;
      const got = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
      expect(winogradState.calls).toBe(calls + 1);
      const r = compareClose(got.values, ref.values, { ...TOL, label: c.name });
      expect(r.ok, r.message).toBe(true);
    } finally {
      unregisterInferenceKernels();
    }
  });
});

const dwCases: Array<ConvCase & { mult: number }> = [
  { name: '3x3 pad 1', x: [2, 9, 11, 6], filter: [3, 3, 6, 1], strides: 1, pad: 1, mult: 1 },
  { name: '1x1', x: [2, 5, 4, 7], filter: [1, 1, 7, 1], strides: 1, pad: 'valid', mult: 1 },
  { name: '3x3 same stride 2 odd size, multiplier 2', x: [1, 13, 10, 4], filter: [3, 3, 4, 2], strides: 2, pad: 'same', mult: 2 },
  { name: '3x3 dilation 2 same', x: [2, 11, 9, 5], filter: [3, 3, 5, 1], strides: 1, pad: 'same', dilations: 2, mult: 1 },
  { name: '5x3 dilation [2, 3] valid, multiplier 3', x: [1, 14, 15, 3], filter: [5, 3, 3, 3], strides: 1, pad: 'valid', dilations: [2, 3], mult: 3 },
  { name: '16x16 stride 16 patch embed', x: [2, 32, 32, 3], filter: [16, 16, 3, 1], strides: 16, pad: 'valid', mult: 1 },
  {
    name: 'explicit padding, strides [1, 2]',
    x: [2, 8, 9, 4],
    filter: [3, 3, 4, 1],
    strides: [1, 2],
    pad: [
      [0, 0],
      [2, 0],
      [1, 1],
      [0, 0],
    ],
    mult: 1,
  },
  { name: '3x3 pad 1 wide channels', x: [2, 8, 8, 64], filter: [3, 3, 64, 1], strides: 1, pad: 1, mult: 1 },
];

/**
 * The stock cpu depthwise backprop kernels ignore dilations (tfjs' gradient never passes any), so dilated cases
 * are checked against the identity "a dilated filter is the zero-inserted big filter without dilation":
 * the reference runs on a [(KH−1)·dh+1, (KW−1)·dw+1] filter with the same explicit padding.
 */
function undilated(c: ConvCase): { bigFilter: number[]; pad: Pad; dh: number; dw: number } {
  const info = tf.backend_util.computeConv2DInfo(c.x as never, c.filter as never, c.strides, c.dilations ?? 1, c.pad as never, c.dimRoundingMode, true);
  const { top, bottom, left, right } = info.padInfo;
  const [dh, dw] = [info.dilationHeight, info.dilationWidth];
  const bigFilter = [(c.filter[0] - 1) * dh + 1, (c.filter[1] - 1) * dw + 1, c.filter[2], c.filter[3]];
  return {
    bigFilter,
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dh,
    dw,
  };
}

/** Maps between a [KH, KW, C, M] filter and its zero-inserted dilated form. */
function dilateFilter(values: Float32Array, filter: number[], big: number[], dh: number, dw: number, inverse: boolean): Float32Array {
  const inner = filter[2] * filter[3];
  const out = new Float32Array(inverse ? size(filter) : size(big));
  for (let kh = 0; kh < filter[0]; kh++) {
    for (let kw = 0; kw < filter[1]; kw++) {
      const small = (kh * filter[1] + kw) * inner;
      const large = (kh * dh * big[1] + kw * dw) * inner;
      for (let k = 0; k < inner; k++) {
        if (inverse) out[small + k] = values[large + k];
        else out[large + k] = values[small + k];
      }
    }
  }
  return out;
}

describe('DepthwiseConv2dNative backprop kernels (wasm) vs the cpu reference kernels', () => {
  it.each(dwCases)('filter gradient: $name', async (c) => {
    const dyShape = outShape(c, true);
    const inputs = { x: { values: randomValues(size(c.x), 5), shape: c.x }, dy: { values: randomValues(size(dyShape), 6), shape: dyShape } };
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? [1, 1], dimRoundingMode: c.dimRoundingMode, filterShape: c.filter };
    let ref: { values: Float32Array };
    if (c.dilations === undefined) {
      ref = await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
    } else {
      const u = undilated(c);
      const big = await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, { ...attrs, pad: u.pad, dilations: [1, 1], filterShape: u.bigFilter });
      ref = { values: dilateFilter(big.values, c.filter, u.bigFilter, u.dh, u.dw, true) };
    }
    const got = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
    expect(got.shape).toEqual(c.filter);
    const r = compareClose(got.values, ref.values, { ...TOL, label: c.name });
    expect(r.ok, r.message).toBe(true);
  });

  it.each(dwCases)('input gradient: $name', async (c) => {
    const dyShape = outShape(c, true);
    const inputs = { dy: { values: randomValues(size(dyShape), 7), shape: dyShape }, filter: { values: randomValues(size(c.filter), 8), shape: c.filter } };
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? [1, 1], dimRoundingMode: c.dimRoundingMode, inputShape: c.x };
    let ref: { values: Float32Array };
    if (c.dilations === undefined) {
      ref = await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs);
    } else {
      const u = undilated(c);
      const bigFilter = { values: dilateFilter(inputs.filter.values, c.filter, u.bigFilter, u.dh, u.dw, false), shape: u.bigFilter };
      ref = await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy: inputs.dy, filter: bigFilter }, { ...attrs, pad: u.pad, dilations: [1, 1] });
    }
    const got = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs);
    expect(got.shape).toEqual(c.x);
    const r = compareClose(got.values, ref.values, { ...TOL, label: c.name });
    expect(r.ok, r.message).toBe(true);
  });
});
