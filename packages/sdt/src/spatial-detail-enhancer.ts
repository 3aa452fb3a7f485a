import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Layer } from '@anydepth/core';

/**
 * `SpatialDetailEnhancer` (paper Eq. 2): `F' = ReLU(BN(DWConv3×3(F)) + F)`, the residual added
 * before the ReLU. State-dict names `dwconv.weight` [C, 1, 3, 3] (no bias), `norm.*`.
 */
export class SpatialDetailEnhancer extends Layer {
  readonly dwconv: Conv2d;
  readonly norm: BatchNorm2d;

  constructor(readonly channels: number) {
    super();
    this.dwconv = this.addModule('dwconv', new Conv2d(channels, channels, 3, { padding: 1, groups: channels, bias: false }));
    this.norm = this.addModule('norm', new BatchNorm2d(channels));
  }

  /** [B, h, w, C] → [B, h, w, C]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.relu(tf.add(this.norm.forward(this.dwconv.forward(x)), x)));
  }
}
