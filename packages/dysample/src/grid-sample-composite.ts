import * as tf from '@tensorflow/tfjs-core';
import type { GridSampleAttrs } from './grid-sample-impl.js';

/**
 * `gridSample` as a composition of standard tfjs ops (floor/where/gather/scatterND), for backends
 * without a dedicated kernel. Its gradient is written out explicitly with the same ops (wrapped in
 * `tf.customGrad`), so it needs no registered gradients and never differentiates through the
 * integer index arithmetic.
 */

/** Index after padding and d(index)/d(grid coordinate), as tensors [B, Ho, Wo]. */
function sourceIndexOps(coord: tf.Tensor, size: number, attrs: GridSampleAttrs): { index: tf.Tensor; mult: tf.Tensor } {
  const base = attrs.alignCorners ? (size - 1) / 2 : size / 2;
  // Operation order of ATen's vectorised CPU kernel (see unnormalize in grid-sample-impl.ts).
  const v = attrs.alignCorners ? tf.mul(tf.add(coord, 1), (size - 1) / 2) : tf.sub(tf.mul(tf.add(coord, 1), size / 2), 0.5); // [B, Ho, Wo]
  if (attrs.paddingMode === 'zeros') return { index: v, mult: tf.fill(v.shape, base) };
  let r = v;
  let sign: tf.Tensor = tf.onesLike(v);
  if (attrs.paddingMode === 'reflection') {
    const [twiceLow, twiceHigh] = attrs.alignCorners ? [0, 2 * (size - 1)] : [-1, 2 * size - 1];
    if (twiceLow === twiceHigh) {
      r = tf.zerosLike(v);
      sign = tf.zerosLike(v);
    } else {
      const min = twiceLow / 2;
      const span = (twiceHigh - twiceLow) / 2;
      const d = tf.sub(v, min);
      const a = tf.abs(d);
      const flips = tf.floor(tf.div(a, span));
      const extra = tf.sub(a, tf.mul(flips, span));
      const even = tf.equal(tf.sub(flips, tf.mul(tf.floor(tf.div(flips, 2)), 2)), 0);
      r = tf.where(even, tf.add(extra, min), tf.sub(span + min, extra)); // non-finite v stays NaN
      const s = tf.where(tf.less(d, 0), tf.fill(v.shape, -1), tf.onesLike(v));
      sign = tf.where(even, s, tf.neg(s));
    }
  }
  // ATen clip_coordinates: NaN → 0 (NaN fails `> 0`); the gradient is 0 at and beyond the borders.
  const interior = tf.logicalAnd(tf.greater(r, 0), tf.less(r, size - 1));
  const index = tf.where(tf.greater(r, 0), tf.where(tf.less(r, size - 1), r, tf.fill(r.shape, size - 1)), tf.zerosLike(r));
  const mult = tf.where(interior, tf.mul(sign, base), tf.zerosLike(r));
  return { index, mult };
}

function inRange(i: tf.Tensor, size: number): tf.Tensor {
  return tf.logicalAnd(tf.greaterEqual(i, 0), tf.lessEqual(i, size - 1)); // NaN → false
}

interface Corner {
  /** Row of the flattened input [B·H·W, C] (0 where invalid), int32 [N]. */
  row: tf.Tensor1D;
  /** Interpolation weight, 0 where the corner is out of range, [N, 1]. */
  weight: tf.Tensor2D;
  valid: tf.Tensor2D;
  /** d(weight)/d(ix) and d(weight)/d(iy), 0 where invalid, [N]. */
  dwdx: tf.Tensor1D;
  dwdy: tf.Tensor1D;
}

function plan(grid: tf.Tensor4D, H: number, W: number, attrs: GridSampleAttrs): { corners: Corner[]; multX: tf.Tensor1D; multY: tf.Tensor1D } {
  const [B] = grid.shape;
  const [gx, gy] = tf.unstack(grid, 3); // [B, Ho, Wo] each
  const sx = sourceIndexOps(gx, W, attrs);
  const sy = sourceIndexOps(gy, H, attrs);
  const batchBase = tf.reshape(tf.mul(tf.range(0, B, 1, 'float32'), H * W), [B, 1, 1]); // [B, 1, 1]
  const corner = (cx: tf.Tensor, cy: tf.Tensor, wx: tf.Tensor, wy: tf.Tensor, sgnX: number, sgnY: number): Corner => {
    const valid = tf.logicalAnd(inRange(cx, W), inRange(cy, H)); // [B, Ho, Wo]
    const flat = tf.add(batchBase, tf.add(tf.mul(cy, W), cx));
    const zero = tf.zerosLike(flat);
    return {
      row: tf.reshape(tf.cast(tf.where(valid, flat, zero), 'int32'), [-1]) as tf.Tensor1D,
      weight: tf.reshape(tf.where(valid, tf.mul(wx, wy), zero), [-1, 1]) as tf.Tensor2D,
      valid: tf.reshape(valid, [-1, 1]) as tf.Tensor2D,
      dwdx: tf.reshape(tf.where(valid, tf.mul(wy, sgnX), zero), [-1]) as tf.Tensor1D,
      dwdy: tf.reshape(tf.where(valid, tf.mul(wx, sgnY), zero), [-1]) as tf.Tensor1D,
    };
  };
  const multX = tf.reshape(sx.mult, [-1]) as tf.Tensor1D;
  const multY = tf.reshape(sy.mult, [-1]) as tf.Tensor1D;
  if (attrs.mode === 'nearest') {
    const one = tf.onesLike(sx.index);
    // tf.round rounds half to even, like std::nearbyint
    return { corners: [corner(tf.round(sx.index), tf.round(sy.index), one, one, 0, 0)], multX, multY };
  }
  const x0 = tf.floor(sx.index);
  const y0 = tf.floor(sy.index);
  const tx = tf.sub(sx.index, x0); // [B, Ho, Wo]
  const ty = tf.sub(sy.index, y0);
  const x1 = tf.add(x0, 1);
  const y1 = tf.add(y0, 1);
  const ux = tf.sub(1, tx);
  const uy = tf.sub(1, ty);
  return {
    corners: [corner(x0, y0, ux, uy, -1, -1), corner(x1, y0, tx, uy, 1, -1), corner(x0, y1, ux, ty, -1, 1), corner(x1, y1, tx, ty, 1, 1)],
    multX,
    multY,
  };
}

export function gridSampleComposite(x: tf.Tensor4D, grid: tf.Tensor4D, attrs: GridSampleAttrs): tf.Tensor4D {
  const G = attrs.groups ?? 1;
  if (G > 1) {
    // Channel groups: regroup to [B·G, H, W, C/G], sample, and regroup back.
    return tf.tidy(() => {
      const [B, H, W, C] = x.shape;
      const [, Ho, Wo] = grid.shape;
      const xg = tf.reshape(tf.transpose(tf.reshape(x, [B, H, W, G, C / G]), [0, 3, 1, 2, 4]), [B * G, H, W, C / G]);
      const y = gridSampleComposite(xg as tf.Tensor4D, grid, { ...attrs, groups: 1 }); // [B·G, Ho, Wo, C/G]
      return tf.reshape(tf.transpose(tf.reshape(y, [B, G, Ho, Wo, C / G]), [0, 2, 3, 1, 4]), [B, Ho, Wo, C]) as tf.Tensor4D;
    });
  }
  const [B, H, W, C] = x.shape;
  const [, Ho, Wo] = grid.shape;
  const f = tf.customGrad(((xIn: tf.Tensor, gridIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn, gridIn]);
    const value = tf.tidy(() => {
      const xFlat = tf.reshape(xIn, [B * H * W, C]); // [B·H·W, C]
      const { corners } = plan(gridIn as tf.Tensor4D, H, W, attrs);
      const terms = corners.map((k) => {
        const rows = tf.gather(xFlat, k.row); // [N, C]
        // where (not 0·value) so Inf/NaN in never-read pixels cannot leak
        return tf.where(tf.broadcastTo(k.valid, rows.shape), tf.mul(rows, k.weight), tf.zerosLike(rows));
      });
      return tf.reshape(terms.length === 1 ? terms[0] : tf.addN(terms), [B, Ho, Wo, C]); // [B, Ho, Wo, C]
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, gs] = saved;
      const xFlat = tf.reshape(xs, [B * H * W, C]);
      const dyFlat = tf.reshape(dy, [-1, C]); // [N, C]
      const { corners, multX, multY } = plan(gs as tf.Tensor4D, H, W, attrs);
      // dx: scatter-add every corner's weighted dy into its input row (scatterND sums duplicates).
      const rows = tf.concat(corners.map((k) => k.row)); // [4N]
      const updates = tf.concat(corners.map((k) => tf.mul(dyFlat, k.weight))); // [4N, C]
      const dx = tf.reshape(tf.scatterND(tf.reshape(rows, [-1, 1]), updates, [B * H * W, C]), [B, H, W, C]);
      if (attrs.mode === 'nearest') return [dx, tf.zerosLike(gs)];
      let gx: tf.Tensor = tf.zeros([B * Ho * Wo]);
      let gy: tf.Tensor = tf.zeros([B * Ho * Wo]);
      for (const k of corners) {
        const vals = tf.gather(xFlat, k.row); // [N, C]
        const acc = tf.sum(tf.where(tf.broadcastTo(k.valid, vals.shape), tf.mul(vals, dyFlat), tf.zerosLike(vals)), 1); // [N]
        gx = tf.add(gx, tf.mul(k.dwdx, acc));
        gy = tf.add(gy, tf.mul(k.dwdy, acc));
      }
      const dgrid = tf.reshape(tf.stack([tf.mul(gx, multX), tf.mul(gy, multY)], 1), [B, Ho, Wo, 2]);
      return [dx, dgrid];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, grid) as tf.Tensor4D;
}
