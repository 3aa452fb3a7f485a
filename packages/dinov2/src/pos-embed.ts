import * as tf from '@tensorflow/tfjs-core';
import { type ResampleSpec, resampleWeights } from './bicubic.js';

export interface PosEmbedResize {
  /** `interpolate_offset` (0.1 for DINOv2 / Depth Anything V2, 0 for the -reg models). */
  offset: number;
  /** `interpolate_antialias`. */
  antialias: boolean;
}

/** How one axis of the M×M grid is resized to `n` patches (official `interpolate_pos_encoding`). */
export function posEmbedAxisSpec(grid: number, n: number, resize: PosEmbedResize): ResampleSpec {
  if (resize.offset > 0) {
    // scale_factor = (n + offset) / M: PyTorch's output size is floor(M · s) = n, but it samples with s itself.
    const scaleFactor = (n + resize.offset) / grid;
    const outSize = Math.floor(grid * scaleFactor);
    if (outSize !== n) throw new Error(`interpolatePosEncoding: scale factor ${scaleFactor} of grid ${grid} gives ${outSize} patches, not ${n}`);
    return { inSize: grid, outSize: n, scaleFactor, antialias: resize.antialias };
  }
  return { inSize: grid, outSize: n, antialias: resize.antialias };
}

/**
 * The position embedding for an h×w patch grid, as DINOv2's `interpolate_pos_encoding`: the cls
 * entry unchanged, the learned M×M grid resized bicubically (align_corners=False) to h×w. The
 * stored table is returned as is when the grid already matches (h = w = M), as the official
 * shortcut does. `posEmbed` [1, 1 + M², D] → [1, 1 + h·w, D] (a new tensor).
 */
export function interpolatePosEncoding(posEmbed: tf.Tensor, h: number, w: number, resize: PosEmbedResize): tf.Tensor3D {
  return tf.tidy(() => {
    const [one, n1, d] = posEmbed.shape;
    const grid = Math.round(Math.sqrt(n1 - 1));
    if (one !== 1 || grid * grid !== n1 - 1) throw new Error(`interpolatePosEncoding: pos_embed must be [1, 1 + M², D], got [${posEmbed.shape}]`);
    if (h === grid && w === grid) return tf.clone(posEmbed) as tf.Tensor3D;
    const cls = tf.slice(posEmbed, [0, 0, 0], [1, 1, d]); // [1, 1, D]
    const patches = tf.reshape(tf.slice(posEmbed, [0, 1, 0], [1, grid * grid, d]), [grid, grid * d]); // [M, M·D]
    const rowsW = tf.tensor2d(Float32Array.from(resampleWeights(posEmbedAxisSpec(grid, h, resize))), [h, grid]); // [h, M]
    const colsW = tf.tensor2d(Float32Array.from(resampleWeights(posEmbedAxisSpec(grid, w, resize))), [w, grid]); // [w, M]
    const byRows = tf.reshape(tf.matMul(rowsW, patches), [h, grid, d]); // [h, M, D]
    const resized = tf.matMul(tf.broadcastTo(tf.expandDims(colsW, 0), [h, w, grid]), byRows); // [h, w, D]
    return tf.concat([cls, tf.reshape(resized, [1, h * w, d])], 1) as tf.Tensor3D; // [1, 1 + h·w, D]
  });
}
