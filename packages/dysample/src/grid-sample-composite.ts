import * as tf from '@tensorflow/tfjs-core';
import type { GridSampleAttrs } from './grid-sample-impl.js';

/** ATen clip_coordinates: NaN → 0; the gradient is 0 at and beyond the borders. */
function clipOps(v: tf.Tensor, size: number): tf.Tensor {
  const inner = tf.where(tf.less(v, size - 1), v, tf.fill(v.shape, size - 1)); // [B, Ho, Wo]
  return tf.where(tf.greater(v, 0), inner, tf.zerosLike(v)); // NaN fails `> 0`, so it becomes 0
}

/** ATen reflect_coordinates into [twiceLow/2, twiceHigh/2]; non-finite input stays NaN. */
function reflectOps(v: tf.Tensor, twiceLow: number, twiceHigh: number): tf.Tensor {
  if (twiceLow === twiceHigh) return tf.zerosLike(v);
  const min = twiceLow / 2;
  const span = (twiceHigh - twiceLow) / 2;
  const a = tf.abs(tf.sub(v, min)); // [B, Ho, Wo]
  const flips = tf.floor(tf.div(a, span));
  const extra = tf.sub(a, tf.mul(flips, span));
  const even = tf.equal(tf.sub(flips, tf.mul(tf.floor(tf.div(flips, 2)), 2)), 0);
  return tf.where(even, tf.add(extra, min), tf.sub(span + min, extra));
}

function sourceIndexOps(coord: tf.Tensor, size: number, attrs: GridSampleAttrs): tf.Tensor {
  let v = attrs.alignCorners
    ? tf.mul(tf.add(coord, 1), (size - 1) / 2)
    : tf.div(tf.sub(tf.mul(tf.add(coord, 1), size), 1), 2); // [B, Ho, Wo]
  if (attrs.paddingMode === 'border') v = clipOps(v, size);
  else if (attrs.paddingMode === 'reflection') {
    v = clipOps(attrs.alignCorners ? reflectOps(v, 0, 2 * (size - 1)) : reflectOps(v, -1, 2 * size - 1), size);
  }
  return v;
}

function inRange(i: tf.Tensor, size: number): tf.Tensor {
  return tf.logicalAnd(tf.greaterEqual(i, 0), tf.lessEqual(i, size - 1)); // NaN → false
}

/**
 * `gridSample` as a composition of standard tfjs ops (floor/where/gather), for backends without
 * a dedicated kernel. Differentiable through the standard gradients (gather → unsortedSegmentSum).
 * x [B, H, W, C], grid [B, Ho, Wo, 2] → [B, Ho, Wo, C].
 */
export function gridSampleComposite(x: tf.Tensor4D, grid: tf.Tensor4D, attrs: GridSampleAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W, C] = x.shape;
    const [, Ho, Wo] = grid.shape;
    const xFlat = tf.reshape(x, [B * H * W, C]); // [B·H·W, C]
    const [gx, gy] = tf.unstack(grid, 3); // [B, Ho, Wo] each
    const ix = sourceIndexOps(gx, W, attrs);
    const iy = sourceIndexOps(gy, H, attrs);
    const batchBase = tf.reshape(tf.mul(tf.range(0, B, 1, 'float32'), H * W), [B, 1, 1]); // [B, 1, 1]

    // Rows of xFlat for integer pixel coordinates (cx, cy); invalid ones read row 0 with weight 0.
    const gatherAt = (cx: tf.Tensor, cy: tf.Tensor, valid: tf.Tensor): tf.Tensor => {
      const flat = tf.add(batchBase, tf.add(tf.mul(cy, W), cx)); // [B, Ho, Wo]
      const safe = tf.cast(tf.where(valid, flat, tf.zerosLike(flat)), 'int32');
      return tf.gather(xFlat, tf.reshape(safe, [-1])); // [B·Ho·Wo, C]
    };

    let out: tf.Tensor;
    if (attrs.mode === 'nearest') {
      const xn = tf.round(ix); // banker's rounding, like std::nearbyint
      const yn = tf.round(iy);
      const valid = tf.logicalAnd(inRange(xn, W), inRange(yn, H));
      const rows = gatherAt(xn, yn, valid);
      out = tf.where(tf.reshape(valid, [-1, 1]), rows, tf.zerosLike(rows));
    } else {
      const x0 = tf.floor(ix);
      const y0 = tf.floor(iy);
      const tx = tf.sub(ix, x0); // [B, Ho, Wo]; differentiable in ix
      const ty = tf.sub(iy, y0);
      const x1 = tf.add(x0, 1);
      const y1 = tf.add(y0, 1);
      const corners: Array<[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]> = [
        [x0, y0, tf.sub(1, tx), tf.sub(1, ty)],
        [x1, y0, tx, tf.sub(1, ty)],
        [x0, y1, tf.sub(1, tx), ty],
        [x1, y1, tx, ty],
      ];
      const terms = corners.map(([cx, cy, wx, wy]) => {
        const valid = tf.logicalAnd(inRange(cx, W), inRange(cy, H)); // [B, Ho, Wo]
        const rows = gatherAt(cx, cy, valid); // [B·Ho·Wo, C]
        const validCol = tf.reshape(valid, [-1, 1]);
        const w = tf.reshape(tf.mul(wx, wy), [-1, 1]); // [B·Ho·Wo, 1]
        // where (not multiply) so NaN weights of invalid corners cannot leak into values or gradients
        return tf.where(tf.broadcastTo(validCol, rows.shape), tf.mul(rows, w), tf.zerosLike(rows));
      });
      out = tf.addN(terms);
    }
    return tf.reshape(out, [B, Ho, Wo, C]) as tf.Tensor4D;
  });
}
