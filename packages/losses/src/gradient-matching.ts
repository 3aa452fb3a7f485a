import * as tf from '@tensorflow/tfjs-core';
import { checkLossInputs } from './inputs.js';
import { type Reduction, reduceLoss } from './reduction.js';

/**
 * MiDaS `gradient_loss` at one scale: with d = m·(p − g),
 * Σ |d[:, :, 1:] − d[:, :, :-1]|·m_x + Σ |d[:, 1:, :] − d[:, :-1, :]|·m_y, reduced by M = Σ m.
 */
export function gradientLoss(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, reduction: Reduction = 'batch'): tf.Scalar {
  return tf.tidy(() => {
    const m = checkLossInputs(prediction, target, mask, 'gradientLoss'); // [B, H, W]
    const [b, h, w] = prediction.shape;
    const count = tf.sum(m, [1, 2]) as tf.Tensor1D; // [B]
    const d = tf.mul(m, tf.sub(prediction, target)); // [B, H, W]
    let imageLoss = tf.zeros([b]) as tf.Tensor1D; // [B]
    if (w > 1) {
      const right = tf.slice(d, [0, 0, 1], [b, h, w - 1]); // [B, H, W-1]
      const left = tf.slice(d, [0, 0, 0], [b, h, w - 1]); // [B, H, W-1]
      const maskX = tf.mul(tf.slice(m, [0, 0, 1], [b, h, w - 1]), tf.slice(m, [0, 0, 0], [b, h, w - 1])); // [B, H, W-1]
      imageLoss = tf.add(imageLoss, tf.sum(tf.mul(maskX, tf.abs(tf.sub(right, left))), [1, 2])) as tf.Tensor1D;
    }
    if (h > 1) {
      const below = tf.slice(d, [0, 1, 0], [b, h - 1, w]); // [B, H-1, W]
      const above = tf.slice(d, [0, 0, 0], [b, h - 1, w]); // [B, H-1, W]
      const maskY = tf.mul(tf.slice(m, [0, 1, 0], [b, h - 1, w]), tf.slice(m, [0, 0, 0], [b, h - 1, w])); // [B, H-1, W]
      imageLoss = tf.add(imageLoss, tf.sum(tf.mul(maskY, tf.abs(tf.sub(below, above))), [1, 2])) as tf.Tensor1D;
    }
    return reduceLoss(imageLoss, count, reduction);
  });
}

/**
 * x[:, ::step, ::step] (PyTorch strided slicing; no pooling), shape [B, ceil(H/step), ceil(W/step)].
 * Written as pad → reshape → slice because tfjs-core registers no gradient for StridedSlice and the
 * gather gradient needs UnsortedSegmentSum, which the wasm backend lacks.
 */
export function subsample(x: tf.Tensor3D, step: number): tf.Tensor3D {
  if (!Number.isInteger(step) || step < 1) throw new Error(`subsample: step must be a positive integer, got ${step}`);
  if (step === 1) return tf.clone(x);
  return tf.tidy(() => {
    const [b, h, w] = x.shape;
    const rows = Math.ceil(h / step);
    const cols = Math.ceil(w / step);
    const padded = tf.pad(x, [
      [0, 0],
      [0, rows * step - h],
      [0, cols * step - w],
    ]); // [B, rows·step, cols·step]
    const blocks = tf.reshape(padded, [b, rows, step, cols, step]); // [B, rows, step, cols, step]
    const corners = tf.slice(blocks, [0, 0, 0, 0, 0], [b, rows, 1, cols, 1]); // [B, rows, 1, cols, 1]
    return tf.reshape(corners, [b, rows, cols]) as tf.Tensor3D; // [B, rows, cols]
  });
}

export interface GradientMatchingOptions {
  /** Number of scales k = 0..scales−1, each sub-sampled by 2^k. Default 4. */
  scales?: number;
  reduction?: Reduction;
}

/** The per-scale terms of the multi-scale gradient matching loss (index k = stride 2^k). */
export function gradientMatchingLossPerScale(
  prediction: tf.Tensor3D,
  target: tf.Tensor3D,
  mask: tf.Tensor,
  options: GradientMatchingOptions = {},
): tf.Scalar[] {
  const scales = options.scales ?? 4;
  if (!Number.isInteger(scales) || scales < 1) throw new Error(`gradientMatchingLoss: scales must be a positive integer, got ${scales}`);
  checkLossInputs(prediction, target, mask, 'gradientMatchingLoss').dispose();
  const out: tf.Scalar[] = [];
  for (let k = 0; k < scales; k++) {
    const step = 2 ** k;
    out.push(
      tf.tidy(() =>
        gradientLoss(
          subsample(prediction, step),
          subsample(target, step),
          subsample(tf.cast(mask, 'float32') as tf.Tensor3D, step),
          options.reduction ?? 'batch',
        ),
      ),
    );
  }
  return out;
}

/**
 * MiDaS `GradientLoss(scales=4)`: the plain sum over k of `gradientLoss` on p[:, ::2^k, ::2^k]
 * (same striding for target and mask), each reduced by its own sub-sampled mask count.
 */
export function gradientMatchingLoss(prediction: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor, options: GradientMatchingOptions = {}): tf.Scalar {
  return tf.tidy(() => tf.addN(gradientMatchingLossPerScale(prediction, target, mask, options)) as tf.Scalar);
}
