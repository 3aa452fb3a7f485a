import * as tf from '@tensorflow/tfjs-core';

/**
 * DINOv3's axial rotary position embedding (spec architecture.md §2.3;
 * DINOV3:dinov3/layers/rope_position_encoding.py, `normalize_coords="separate"`), evaluated at
 * inference only: the training-time shift / jitter / rescale augmentations are never applied.
 */

/** periods[k] = base^(2k / (headDim/2)) for k = 0 … headDim/4 − 1 (the `rope_embed.periods` buffer). */
export function ropePeriods(headDim: number, base = 100): Float64Array {
  if (headDim % 4 !== 0) throw new Error(`RoPE: head dim ${headDim} must be a multiple of 4`);
  const n = headDim / 4;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = base ** ((2 * k) / (headDim / 2));
  return out;
}

export interface RopeTables {
  /** [h·w, headDim], row t = i·w + j (row-major patches). */
  sin: Float32Array;
  cos: Float32Array;
  rows: number;
  headDim: number;
}

/**
 * sin/cos tables for an h×w patch grid, computed in float64 and rounded once to float32:
 * coords cy = 2(i+0.5)/h − 1, cx = 2(j+0.5)/w − 1; angles[t, a, k] = 2π·coords[t, a]/periods[k]
 * flattened to [y(hd/4), x(hd/4)] and tiled twice → [y, x, y, x].
 */
export function ropeTables(h: number, w: number, headDim: number, base = 100): RopeTables {
  const periods = ropePeriods(headDim, base);
  const q = headDim / 4;
  const rows = h * w;
  const sin = new Float32Array(rows * headDim);
  const cos = new Float32Array(rows * headDim);
  for (let i = 0; i < h; i++) {
    const cy = (2 * (i + 0.5)) / h - 1;
    for (let j = 0; j < w; j++) {
      const cx = (2 * (j + 0.5)) / w - 1;
      const row = (i * w + j) * headDim;
      for (let k = 0; k < q; k++) {
        const ay = (2 * Math.PI * cy) / periods[k];
        const ax = (2 * Math.PI * cx) / periods[k];
        const sy = Math.sin(ay);
        const cyv = Math.cos(ay);
        const sx = Math.sin(ax);
        const cxv = Math.cos(ax);
        for (const half of [0, 2 * q]) {
          sin[row + half + k] = sy;
          cos[row + half + k] = cyv;
          sin[row + half + q + k] = sx;
          cos[row + half + q + k] = cxv;
        }
      }
    }
  }
  return { sin, cos, rows, headDim };
}

/**
 * sin/cos as tensors [N, headDim] for a whole token sequence of `prefix` non-patch tokens followed
 * by the h×w patches: the prefix rows are cos = 1, sin = 0, so `applyRope` leaves those tokens
 * exactly unchanged and no slicing of q/k is needed.
 */
export function ropeTensors(h: number, w: number, headDim: number, base: number, prefix: number): { sin: tf.Tensor2D; cos: tf.Tensor2D } {
  const t = ropeTables(h, w, headDim, base);
  const n = prefix + t.rows;
  const sin = new Float32Array(n * headDim);
  const cos = new Float32Array(n * headDim);
  cos.fill(1, 0, prefix * headDim);
  sin.set(t.sin, prefix * headDim);
  cos.set(t.cos, prefix * headDim);
  return { sin: tf.tensor2d(sin, [n, headDim]), cos: tf.tensor2d(cos, [n, headDim]) };
}

/** rotate_half([v1, v2]) = [−v2, v1] over the last axis. */
export function rotateHalf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [x1, x2] = tf.split(x, 2, -1); // 2 × [..., hd/2]
    return tf.concat([tf.neg(x2), x1], -1); // [..., hd]
  });
}

/** rope_apply(x) = x·cos + rotate_half(x)·sin; x [..., N, hd], sin/cos [N, hd] broadcast. */
export function applyRope(x: tf.Tensor, sin: tf.Tensor, cos: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(x, cos), tf.mul(rotateHalf(x), sin)));
}
