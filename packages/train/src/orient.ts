import * as tf from '@tensorflow/tfjs-core';
import type { AnyDepth } from '@anydepth/model';
import { type SampleSource, type TrainSample, disparityTarget, makeBatch } from './data.js';

export interface OrientationResult {
  /** Images whose least-squares scale (prediction → GT disparity) was negative / positive. */
  negative: number;
  positive: number;
  /** The output conv was negated (near now predicts larger disparity). */
  flipped: boolean;
  /** Logit range seen on the source before the flip. */
  minLogit: number;
  maxLogit: number;
}

/**
 * The SSI loss fits scale and shift in closed form, so it leaves the sign of the prediction free: a
 * model can learn inverted disparity (near = small) and score the same. Evaluation aligns it away,
 * but a viewer showing raw outputs would show it upside down. This measures the sign of the
 * least-squares scale on `source` and, when most images are inverted, negates the decoder's last
 * (1×1, linear) output conv: logits z become K − z with K above every logit seen, so wherever
 * ReLU(z) = z (all pixels when the logits stay positive) the new output is an exact affine map of
 * the old one with positive slope — the same metrics, the right orientation.
 */
export async function orientDisparity(model: AnyDepth, source: SampleSource, options: { batchSize?: number } = {}): Promise<OrientationResult> {
  const batchSize = options.batchSize ?? 4;
  const wasTraining = model.decoder.training;
  model.eval();
  let negative = 0;
  let positive = 0;
  let minLogit = Infinity;
  let maxLogit = -Infinity;
  try {
    for (let start = 0; start < source.length; start += batchSize) {
      const samples: TrainSample[] = [];
      for (let i = start; i < Math.min(source.length, start + batchSize); i++) samples.push(await source.get(i));
      const batch = makeBatch(samples);
      const logits = model.forwardLogits(batch.images); // [B, H, W, 1]
      const data = (await logits.data()) as Float32Array;
      tf.dispose([logits, batch.images, batch.target, batch.mask]);
      samples.forEach((s, b) => {
        const n = s.width * s.height;
        const { target, mask } = disparityTarget(s);
        let [sxx, sx, sxy, sy, m] = [0, 0, 0, 0, 0];
        for (let i = 0; i < n; i++) {
          const z = data[b * n + i];
          minLogit = Math.min(minLogit, z);
          maxLogit = Math.max(maxLogit, z);
          if (!mask[i]) continue;
          const p = Math.max(z, 0);
          sxx += p * p;
          sx += p;
          sxy += p * target[i];
          sy += target[i];
          m++;
        }
        const slope = sxy * m - sx * sy; // sign of the LS scale (its denominator is ≥ 0)
        if (slope < 0) negative++;
        else if (slope > 0) positive++;
      });
    }
  } finally {
    model.train(wasTraining);
  }
  const flipped = negative > positive;
  if (flipped) {
    const named = model.decoder.namedParameters('decoder').filter(([, v]) => v.trainable);
    const biasIndex = named.map(([n]) => n.endsWith('.bias')).lastIndexOf(true);
    const [biasName, bias] = named[biasIndex];
    const weight = named.find(([n]) => n === biasName.replace(/\.bias$/, '.weight'))?.[1];
    if (!weight || weight.shape[0] !== 1 || weight.shape[1] !== 1) throw new Error(`orientDisparity: the decoder's last layer '${biasName}' is not a 1×1 conv`);
    const k = maxLogit + Math.max(1, maxLogit - Math.min(minLogit, 0));
    tf.tidy(() => {
      weight.assign(tf.neg(weight));
      bias.assign(tf.sub(k, bias));
    });
  }
  return { negative, positive, flipped, minLogit, maxLogit };
}
