import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '@anydepth/core';

/**
 * Bilinear resize of NHWC input with PyTorch's `F.interpolate(mode='bilinear', align_corners=…)`
 * semantics. `align_corners=True` maps corner to corner (src = dst·(in−1)/(out−1)), which is
 * `resizeBilinear(alignCorners=true, halfPixelCenters=false)`; `align_corners=False` uses half-pixel
 * centres (src = (dst+0.5)·in/out − 0.5, clamped at 0), which is
 * `resizeBilinear(alignCorners=false, halfPixelCenters=true)`. TF's legacy default (both false) matches neither.
 */
export function interpolateBilinear(x: tf.Tensor, size: [number, number], alignCorners: boolean): tf.Tensor {
  if (x.rank !== 4) throw new Error(`interpolateBilinear: expected NHWC input, got [${x.shape}]`);
  if (x.shape[1] === size[0] && x.shape[2] === size[1]) return tf.clone(x);
  return tf.image.resizeBilinear(x as tf.Tensor4D, size, alignCorners, !alignCorners); // [B, size0, size1, C]
}

/** `Interpolate(scale_factor, mode='bilinear', align_corners)` as a parameter-free layer (keeps Sequential indices official). */
export class Interpolate extends Layer {
  constructor(
    readonly scaleFactor: number,
    readonly alignCorners: boolean,
  ) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    const size: [number, number] = [Math.floor(x.shape[1]! * this.scaleFactor), Math.floor(x.shape[2]! * this.scaleFactor)];
    return interpolateBilinear(x, size, this.alignCorners);
  }
}
