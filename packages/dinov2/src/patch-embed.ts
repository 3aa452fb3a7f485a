import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Module, type Rng } from '@anydepth/core';

/**
 * DINOv2 `PatchEmbed`: a p×p / stride-p convolution (`proj`, [D, C, p, p]) turning an NHWC image
 * whose sides are multiples of p into h·w row-major tokens.
 */
export class PatchEmbed extends Module {
  readonly proj: Conv2d;

  constructor(
    readonly embedDim: number,
    readonly patchSize: number,
    readonly inChannels = 3,
    rng?: Rng,
  ) {
    super();
    this.proj = this.addModule('proj', new Conv2d(inChannels, embedDim, patchSize, { stride: patchSize, rng }));
  }

  /** image [B, H, W, C] (H, W multiples of p) → tokens [B, h·w, D]. */
  forward(image: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, hIn, wIn, c] = image.shape;
      const p = this.patchSize;
      if (hIn % p || wIn % p || c !== this.inChannels) {
        throw new Error(`PatchEmbed: expected [B, H, W, ${this.inChannels}] with H, W multiples of ${p}, got [${image.shape}]`);
      }
      const h = hIn / p;
      const w = wIn / p;
      // A stride-p p×p convolution is one matMul over non-overlapping patches, each gathered in the
      // (kh, kw, c) order of the HWIO filter.
      const patches = tf.reshape(
        tf.transpose(tf.reshape(image, [b, h, p, w, p, c]), [0, 1, 3, 2, 4, 5]), // [B, h, w, p, p, C]
        [b * h * w, p * p * c],
      );
      const filter = tf.reshape(this.proj.weight, [p * p * c, this.embedDim]); // [p·p·C, D]
      let x = tf.matMul(patches, filter); // [B·h·w, D]
      if (this.proj.bias) x = tf.add(x, this.proj.bias);
      return tf.reshape(x, [b, h * w, this.embedDim]) as tf.Tensor3D; // [B, h·w, D]
    });
  }
}
