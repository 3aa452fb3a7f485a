import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile } from '@anydepth/core';
import { listSamples } from '@anydepth/datasets/node';
import { registerTrainingKernels } from '@anydepth/kernels';
import { AnyDepth, anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights, networkInputSize, saveAnyDepth } from '@anydepth/model';
import { loadImage } from '@anydepth/model/node';
import { datasetSource, subsetSource, trainAnyDepth } from '@anydepth/train';
import { fixturePath, setBackend, sharedPath } from '@anydepth/test-utils';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runEval } from '../src/commands/eval.js';
import { runPredict } from '../src/commands/predict.js';

const work = mkdtempSync(join(tmpdir(), 'anydepth-paths-'));
const weights = join(work, 'tiny.safetensors');
const nyuRoot = sharedPath('data', 'nyu_metric3d');
const SIZE = 64;

/** Runs `body` with AnyDepth.encode spied on, returning the image tensor of each call (read back, then the real encode runs). */
async function encoderInputs(body: () => Promise<unknown>): Promise<Array<{ shape: number[]; data: Float32Array }>> {
  const seen: Array<{ shape: number[]; data: Float32Array }> = [];
  const original = AnyDepth.prototype.encode;
  const spy = vi.spyOn(AnyDepth.prototype, 'encode').mockImplementation(function (this: AnyDepth, image: tf.Tensor) {
    seen.push({ shape: [...image.shape], data: image.dataSync() as Float32Array });
    return original.call(this, image);
  });
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return seen;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await setBackend('wasm');
  registerTrainingKernels();
  const model = createAnyDepth(anyDepthTinyConfig());
  loadAnyDepthWeights(model, SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('anydepth_tiny.safetensors')))));
  writeFileSync(weights, await saveAnyDepth(model));
  model.dispose();
});

afterEach(() => vi.restoreAllMocks());

describe('one preprocessing path', () => {
  it('gives a real NYUv2 photo the identical network input in `anydepth predict`, `anydepth eval` and training', async () => {
    const [sample] = listSamples('nyuv2', nyuRoot);
    const photo = await loadImage(sample.rgbPath);
    const net = networkInputSize(photo.width, photo.height, { size: SIZE });
    expect([photo.width, photo.height, net.width, net.height]).toEqual([640, 480, 64, 48]);
    const quiet = () => {};

    const predicted = await encoderInputs(() =>
      runPredict([sample.rgbPath, '--weights', weights, '--out', join(work, 'out'), '--size', String(SIZE), '--backend', 'wasm'], quiet, quiet),
    );
    const evaluated = await encoderInputs(() =>
      runEval(['--weights', weights, '--dataset', 'nyuv2', '--root', nyuRoot, '--limit', '1', '--size', String(SIZE), '--backend', 'wasm'], quiet),
    );
    const model = createAnyDepth(anyDepthTinyConfig());
    const trained = await encoderInputs(() =>
      trainAnyDepth({
        model,
        train: subsetSource(datasetSource([sample], { width: net.width, height: net.height }), [0]),
        outDir: join(work, 'train'),
        epochs: 1,
        batchSize: 1,
        maxSteps: 1,
        augment: { flip: false, rotationDegrees: 0 },
      }),
    );
    model.dispose();

    // predict and eval each encode the photo once; the training step encodes its batch of one once
    for (const calls of [predicted, evaluated, trained]) {
      expect(calls).toHaveLength(1);
      expect(calls[0].shape).toEqual([1, net.height, net.width, 3]);
    }
    const reference = predicted[0].data;
    expect(maxAbsDiff(evaluated[0].data, reference)).toBe(0);
    expect(maxAbsDiff(trained[0].data, reference)).toBe(0);
    // and it is a normalised image, not zeros: ImageNet statistics give values in about [-2.2, 2.7]
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of reference) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(-2.12);
    expect(hi).toBeLessThanOrEqual(2.65);
    expect(hi - lo).toBeGreaterThan(2);
  });
});
