import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Module, type Rng } from '@anydepth/core';
import { patchTokens } from '@anydepth/core/internal';

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
      const [, hIn, wIn, c] = image.shape;
      const p = this.patchSize;
      if (hIn % p || wIn % p || c !== this.inChannels) {
        throw new Error(`PatchEmbed: expected [B, H, W, ${this.inChannels}] with H, W multiples of ${p}, got [${image.shape}]`);
      }
      return patchTokens(image, this.proj, p); // [B, h·w, D]
    });
  }
}
