import * as tf from '@tensorflow/tfjs-core';
import { DepthMetricAccumulator, type DepthMetrics } from '@anydepth/metrics';
import type { AnyDepth } from '@anydepth/model';
import { type SampleSource, type TrainSample, isValidDepth, makeBatch } from './data.js';

export interface ValidationResult {
  images: number;
  metrics: DepthMetrics;
}

/** Ground-truth depth with invalid pixels set to 0 (excluded by evaluateDepth's (0, ∞) range). */
function gtDepth(sample: TrainSample): Float32Array {
  const gt = new Float32Array(sample.width * sample.height);
  for (let i = 0; i < gt.length; i++) gt[i] = isValidDepth(sample, i) ? sample.depth[i] : 0;
  return gt;
}

/**
 * Evaluates a model on a source with `@anydepth/metrics` (least squares in disparity space, AbsRel,
 * δ1, …, mean over images). Runs in eval mode (BatchNorm running statistics) and restores the mode.
 */
export async function evaluateModel(model: AnyDepth, source: SampleSource, options: { batchSize?: number } = {}): Promise<ValidationResult> {
  const batchSize = options.batchSize ?? 4;
  const wasTraining = model.decoder.training;
  model.eval();
  const acc = new DepthMetricAccumulator();
  try {
    for (let start = 0; start < source.length; start += batchSize) {
      const samples: TrainSample[] = [];
      for (let i = start; i < Math.min(source.length, start + batchSize); i++) samples.push(await source.get(i));
      const batch = makeBatch(samples);
      const pred = model.forward(batch.images); // [B, H', W', 1]
      const data = (await pred.data()) as Float32Array;
      const [, Hp, Wp] = pred.shape;
      tf.dispose([pred, batch.images, batch.target, batch.mask]);
      samples.forEach((s, b) => {
        const slice = data.subarray(b * Hp * Wp, (b + 1) * Hp * Wp);
        acc.evaluate(slice, gtDepth(s), { width: s.width, height: s.height, predWidth: Wp, predHeight: Hp, alignment: 'disparity' }, s.id);
      });
    }
  } finally {
    model.train(wasTraining);
  }
  const summary = acc.summary();
  return { images: summary.count, metrics: summary.metrics };
}

/**
 * The constant-disparity baseline: for each image the best constant disparity in the least-squares
 * sense (the mean GT disparity over valid pixels — an oracle constant), evaluated as depth 1/mean.
 * A trained model has to beat this to show it learned structure rather than the global scale.
 */
export async function constantDisparityBaseline(source: SampleSource): Promise<ValidationResult> {
  const acc = new DepthMetricAccumulator();
  for (let i = 0; i < source.length; i++) {
    const s = await source.get(i);
    const gt = gtDepth(s);
    let sum = 0;
    let n = 0;
    for (const d of gt) if (d > 0) (sum += 1 / d), n++;
    const pred = new Float32Array(gt.length).fill(n ? n / sum : 1);
    acc.evaluate(pred, gt, { width: s.width, height: s.height, alignment: 'none' }, s.id);
  }
  const summary = acc.summary();
  return { images: summary.count, metrics: summary.metrics };
}
