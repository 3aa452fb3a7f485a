import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Module, ReLU, Sequential } from '@anydepth/core';
import { Interpolate } from './interpolate.js';

/**
 * DINOv3 `UpConvHead`: conv 3×3 (C→C/2), ×2 bilinear (align_corners=True), conv 3×3 (C/2→32), ReLU,
 * conv 1×1 (32→n_out). State-dict names `head.{0,2,4}.*`.
 */
export class UpConvHead extends Module {
  readonly head: Sequential;

  constructor(
    readonly features: number,
    readonly outChannels: number,
    readonly hiddenChannels = 32,
  ) {
    super();
    this.head = this.addModule(
      'head',
      new Sequential(
        new Conv2d(features, Math.floor(features / 2), 3, { padding: 1 }),
        new Interpolate(2, true),
        new Conv2d(Math.floor(features / 2), hiddenChannels, 3, { padding: 1 }),
        new ReLU(),
        new Conv2d(hiddenChannels, outChannels, 1),
      ),
    );
  }

  /** [B, H, W, C] → [B, 2H, 2W, n_out]. */
  forward(x: tf.Tensor): tf.Tensor {
    return this.head.forward(x);
  }
}
