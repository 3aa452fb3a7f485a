import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@anydepth/test-utils';
import { expect, it } from 'vitest';
import { DySample, gridSample } from '../src/index.js';

it('README snippet runs and prints what it says', async () => {
  await setBackend('cpu');
  const input = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const grid = tf.tensor4d([0, 0, -1, -1, 1, 1], [1, 1, 3, 2]);
  const out = gridSample(input, grid, { mode: 'bilinear', paddingMode: 'border', alignCorners: false });
  expect(Array.from(await out.data())).toEqual([2.5, 1, 4]);
  const up = new DySample({ inChannels: 16, scale: 2, style: 'lp', groups: 4, dyscope: true });
  const y = up.forward(tf.randomNormal([1, 8, 8, 16]));
  expect(y.shape).toEqual([1, 16, 16, 16]);
  expect(Object.keys(up.stateDictShapes())).toEqual(['init_pos', 'offset.weight', 'offset.bias', 'scope.weight']);
});
