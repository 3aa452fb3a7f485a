import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { bilinearMacs, centerPad, centerPaddingFor, conv2dMacs, convTranspose2dMacs, flopGrid, flopReport, intrinsicsFromFov } from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('centre padding (AnyDepth CenterPadding, the DINOv3 encoder pad option)', () => {
  it('pads up to the next multiple, top/left = pad // 2, bottom/right = the rest', () => {
    expect(centerPaddingFor(60, 90, 16)).toEqual({ top: 2, bottom: 2, left: 3, right: 3 });
    expect(centerPaddingFor(17, 31, 16)).toEqual({ top: 7, bottom: 8, left: 0, right: 1 });
    expect(centerPaddingFor(32, 48, 16)).toEqual({ top: 0, bottom: 0, left: 0, right: 0 });
    expect(centerPaddingFor(13, 14, 14)).toEqual({ top: 0, bottom: 1, left: 0, right: 0 });
  });

  it('zero-pads an NHWC image with the values centred; returns the input itself when nothing is needed', () => {
    const before = tf.memory().numTensors;
    const image = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const { padded, padding } = centerPad(image, 4);
    expect(padding).toEqual({ top: 1, bottom: 1, left: 0, right: 1 });
    expect(padded.shape).toEqual([1, 4, 4, 1]);
    expect(Array.from(padded.dataSync())).toEqual([0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
    expect(centerPad(padded, 4).padded).toBe(padded);
    image.dispose();
    padded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('intrinsics (OpenCV convention)', () => {
  it('centres the principal point on the middle pixel: cx = (w − 1)/2; fx from the horizontal field of view', () => {
    const K = intrinsicsFromFov(640, 480, 90);
    expect(K.fx).toBeCloseTo(320, 9);
    expect(K.fy).toBe(K.fx);
    expect([K.cx, K.cy]).toEqual([319.5, 239.5]);
    expect(() => intrinsicsFromFov(4, 4, 180)).toThrow('field of view must be in (0, 180) degrees, got 180');
  });
});

describe('FLOP-counting helpers (SDT and DPT counters)', () => {
  it('counts multiply-adds per output value', () => {
    expect(conv2dMacs(2, [3, 5], 8, 4, 3)).toBe(2 * 15 * 4 * 8 * 9);
    expect(conv2dMacs(1, [3, 5], 8, 8, 3, 8)).toBe(15 * 8 * 9); // depthwise
    expect(convTranspose2dMacs(1, [2, 2], 6, 3, 4)).toBe(4 * 6 * 3 * 16);
    expect(bilinearMacs(1, [4, 4], 2)).toBe(4 * 16 * 2);
    expect(flopReport({ a: 1, b: 2 })).toEqual({ macs: 3, parts: { a: 1, b: 2 } });
  });
  it('takes the token grid from the patch size and names the head on a bad size', () => {
    expect(flopGrid('SDTHead', { height: 64, width: 32, batch: 2 }, 16)).toEqual([2, [4, 2]]);
    expect(flopGrid('X', { height: 28, width: 42, patchSize: 14 }, 16)).toEqual([1, [2, 3]]);
    expect(() => flopGrid('DPTHead', { height: 30, width: 32 }, 16)).toThrow('DPTHead countFlops: 30×32 is not a multiple of the patch size 16');
  });
});
