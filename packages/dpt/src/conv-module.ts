import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, type Conv2dOptions, Layer, normalInit } from '@anydepth/core';

export interface ConvModuleOptions extends Conv2dOptions {
  /** Apply ReLU: `'after'` the conv (order conv→act), `'before'` it (order act→conv), or not at all. */
  activation?: 'after' | 'before' | 'none';
}

/**
 * The mmcv-style `ConvModule` of the DINOv3 depth head without a norm layer: a `conv` child
 * (state-dict names `conv.weight`, `conv.bias`) and an optional ReLU before or after it.
 */
export class ConvModule extends Layer {
  readonly conv: Conv2d;
  readonly activation: 'after' | 'before' | 'none';

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvModuleOptions = {}) {
    super();
    const { activation = 'none', ...convOptions } = options;
    this.activation = activation;
    this.conv = this.addModule('conv', new Conv2d(inChannels, outChannels, kernelSize, convOptions));
    // ConvModule.init_weights: kaiming_normal_(mode='fan_out', nonlinearity='relu'), bias 0.
    const std = Math.SQRT2 / Math.sqrt(outChannels * kernelSize * kernelSize);
    const w = this.conv.weight;
    tf.tidy(() => w.assign(normalInit(w.shape, std, convOptions.rng)));
    if (this.conv.bias) tf.tidy(() => this.conv.bias!.assign(tf.zerosLike(this.conv.bias!)));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const input = this.activation === 'before' ? tf.relu(x) : x;
      const y = this.conv.forward(input); // [B, H', W', O]
      return this.activation === 'after' ? tf.relu(y) : y;
    });
  }
}
