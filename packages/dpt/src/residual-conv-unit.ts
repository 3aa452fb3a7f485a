import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Layer } from '@anydepth/core';
import { ConvModule } from './conv-module.js';

/**
 * DINOv3 `PreActResidualConvUnit`: x + conv2(relu(conv1(relu(x)))), 3×3 convs without bias.
 * State-dict names `conv1.conv.weight`, `conv2.conv.weight`.
 */
export class PreActResidualConvUnit extends Layer {
  readonly conv1: ConvModule;
  readonly conv2: ConvModule;

  constructor(readonly channels: number) {
    super();
    this.conv1 = this.addModule('conv1', new ConvModule(channels, channels, 3, { padding: 1, bias: false, activation: 'before' }));
    this.conv2 = this.addModule('conv2', new ConvModule(channels, channels, 3, { padding: 1, bias: false, activation: 'before' }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(this.conv2.forward(this.conv1.forward(x)), x)); // [B, H, W, C]
  }
}

/**
 * Depth Anything V2 `ResidualConvUnit`: x + bn2(conv2(relu(bn1(conv1(relu(x)))))), 3×3 convs with
 * bias, BatchNorm only when `bn`. State-dict names `conv1.*`, `conv2.*`, `bn1.*`, `bn2.*`.
 */
export class ResidualConvUnit extends Layer {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly bn1: BatchNorm2d | null;
  readonly bn2: BatchNorm2d | null;

  constructor(
    readonly channels: number,
    bn = false,
  ) {
    super();
    this.conv1 = this.addModule('conv1', new Conv2d(channels, channels, 3, { padding: 1 }));
    this.conv2 = this.addModule('conv2', new Conv2d(channels, channels, 3, { padding: 1 }));
    this.bn1 = bn ? this.addModule('bn1', new BatchNorm2d(channels)) : null;
    this.bn2 = bn ? this.addModule('bn2', new BatchNorm2d(channels)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let out = this.conv1.forward(tf.relu(x)); // [B, H, W, C]
      if (this.bn1) out = this.bn1.forward(out);
      out = this.conv2.forward(tf.relu(out));
      if (this.bn2) out = this.bn2.forward(out);
      return tf.add(out, x);
    });
  }
}
