import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../module.js';
import type { Rng } from '../rng.js';
import { type Pair, pair } from './conv2d.js';
import { kaimingUniform } from './init.js';

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  bias?: boolean;
  rng?: Rng;
}

/**
 * Transposed 2-D convolution on NHWC input, with PyTorch's output size
 * `(H − 1)·stride − 2·padding + kernel + outputPadding`. State-dict names `weight` [I, O, kh, kw], `bias` [O].
 */
export class ConvTranspose2d extends Layer {
  readonly weight: tf.Variable; // [kh, kw, O, I]
  readonly bias: tf.Variable | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: ConvTranspose2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    this.padding = pair(options.padding ?? 0);
    this.outputPadding = pair(options.outputPadding ?? 0);
    const [kh, kw] = this.kernelSize;
    // PyTorch computes fan_in from weight.size(1) * kh * kw, which for a transposed conv is out_channels.
    const fanIn = outChannels * kh * kw;
    this.weight = this.addParameter('weight', kaimingUniform([kh, kw, outChannels, inChannels], fanIn, options.rng), 'convTranspose2d');
    this.bias = (options.bias ?? true) ? this.addParameter('bias', kaimingUniform([outChannels], fanIn, options.rng)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
        throw new Error(`ConvTranspose2d: expected NHWC input with ${this.inChannels} channels, got [${x.shape}]`);
      }
      const [b, h, w] = x.shape;
      const [kh, kw] = this.kernelSize;
      const [sh, sw] = this.stride;
      const fullH = (h - 1) * sh + kh;
      const fullW = (w - 1) * sw + kw;
      let y: tf.Tensor4D = tf.conv2dTranspose(x as tf.Tensor4D, this.weight as tf.Tensor4D, [b, fullH, fullW, this.outChannels], this.stride, 'valid');
      const [ph, pw] = this.padding;
      const [oh, ow] = this.outputPadding;
      const extraH = Math.max(0, oh - ph);
      const extraW = Math.max(0, ow - pw);
      if (extraH || extraW)
        y = tf.pad(y, [
          [0, 0],
          [0, extraH],
          [0, extraW],
          [0, 0],
        ]);
      const outH = fullH - 2 * ph + oh;
      const outW = fullW - 2 * pw + ow;
      if (ph || pw || outH !== y.shape[1] || outW !== y.shape[2]) y = tf.slice(y, [0, ph, pw, 0], [b, outH, outW, this.outChannels]);
      return this.bias ? tf.add(y, this.bias) : y; // [B, Ho, Wo, O]
    });
  }
}
