import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../module.js';
import type { Rng } from '../rng.js';
import { type FusedActivation, inferenceFusion } from './fusion.js';
import { kaimingUniform } from './init.js';

/** A folded eval-mode BatchNorm: the tensors and the data ids of the six parameters they were made from. */
export interface FoldCache {
  bn: object;
  sources: readonly (object | null)[];
  weight: tf.Tensor;
  bias: tf.Tensor | null;
}

export type Pair = number | [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, like PyTorch's `padding` (`'same'` and `'valid'` also accepted). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  rng?: Rng;
}

export function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * 2-D convolution on NHWC input. State-dict names `weight` [O, I/groups, kh, kw] and `bias` [O].
 * `groups == inChannels` runs as a depthwise convolution; other group counts split the channels.
 */
export class Conv2d extends Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly padding: [number, number] | 'same' | 'valid';
  readonly depthwise: boolean;
  private folded: FoldCache | null = null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    this.dilation = pair(options.dilation ?? 1);
    const p = options.padding ?? 0;
    this.padding = p === 'same' || p === 'valid' ? p : pair(p);
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new Error(`Conv2d: in (${inChannels}) and out (${outChannels}) channels must be divisible by groups (${this.groups})`);
    }
    const [kh, kw] = this.kernelSize;
    const fanIn = (inChannels / this.groups) * kh * kw;
    this.depthwise = this.groups > 1 && this.groups === inChannels;
    if (this.depthwise) {
      const multiplier = outChannels / inChannels;
      this.weight = this.addParameter('weight', kaimingUniform([kh, kw, inChannels, multiplier], fanIn, options.rng), 'depthwise');
    } else {
      this.weight = this.addParameter('weight', kaimingUniform([kh, kw, inChannels / this.groups, outChannels], fanIn, options.rng), 'conv2d');
    }
    this.bias = (options.bias ?? true) ? this.addParameter('bias', kaimingUniform([outChannels], fanIn, options.rng)) : null;
  }

  private tfPad(): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
    if (this.padding === 'same' || this.padding === 'valid') return this.padding;
    const [ph, pw] = this.padding;
    if (ph === 0 && pw === 0) return 'valid';
    return [
      [0, 0],
      [ph, ph],
      [pw, pw],
      [0, 0],
    ];
  }

  /** True when this convolution can run as one tfjs fused op (plain or depthwise, not split into groups). */
  get fusable(): boolean {
    return this.groups === 1 || (this.depthwise && this.fusedPad() !== null);
  }

  /** Padding as the fused ops take it: a number for equal sides (depthwise accepts nothing else). */
  private fusedPad(): 'same' | 'valid' | number | null {
    if (this.padding === 'same' || this.padding === 'valid') return this.padding;
    const [ph, pw] = this.padding;
    return ph === pw ? ph : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training && this.fusable && inferenceFusion()) return this.convolve(x, this.weight, this.bias, 'linear');
    return tf.tidy(() => {
      const x4 = this.checkInput(x);
      const pad = this.tfPad();
      let y: tf.Tensor4D;
      if (this.depthwise) {
        y = tf.depthwiseConv2d(x4, this.weight as tf.Tensor4D, this.stride, pad, 'NHWC', this.dilation);
      } else if (this.groups === 1) {
        y = tf.conv2d(x4, this.weight as tf.Tensor4D, this.stride, pad, 'NHWC', this.dilation);
      } else {
        const xs = tf.split(x4, this.groups, 3);
        const ws = tf.split(this.weight as tf.Tensor4D, this.groups, 3);
        y = tf.concat(
          xs.map((xi, g) => tf.conv2d(xi as tf.Tensor4D, ws[g] as tf.Tensor4D, this.stride, pad, 'NHWC', this.dilation)),
          3,
        ) as tf.Tensor4D;
      }
      return this.bias ? tf.add(y, this.bias) : y; // [B, Ho, Wo, O]
    });
  }

  /**
   * This convolution's geometry with the given weight (this layer's layout), bias and activation, as one
   * tfjs fused op (the backend adds the bias and applies the activation inside the convolution; XNNPACK
   * on wasm). Used for inference, where BatchNorm is folded into `weight` and `bias` (see `convBnAct`).
   */
  convolve(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, activation: FusedActivation): tf.Tensor {
    if (!this.fusable) throw new Error(`Conv2d: a convolution with ${this.groups} groups cannot run as one fused op`);
    return tf.tidy(() => {
      const x4 = this.checkInput(x);
      const common = {
        x: x4,
        filter: weight as tf.Tensor4D,
        strides: this.stride,
        dataFormat: 'NHWC' as const,
        dilations: this.dilation,
        bias: bias ?? undefined,
        activation,
      };
      if (this.depthwise) return tf.fused.depthwiseConv2d({ ...common, pad: this.fusedPad()! }); // [B, Ho, Wo, O]
      return tf.fused.conv2d({ ...common, pad: this.fusedPad() ?? this.tfPad() }); // [B, Ho, Wo, O]
    });
  }

  /** The eval-mode BatchNorm fold kept by `foldedWeights` (see conv-bn-act.ts), or null. */
  get foldCache(): FoldCache | null {
    return this.folded;
  }

  /** Replaces the kept fold, disposing the previous one. */
  setFoldCache(cache: FoldCache | null): void {
    if (this.folded) {
      this.folded.weight.dispose();
      this.folded.bias?.dispose();
    }
    this.folded = cache;
  }

  protected override releaseInferenceCaches(): void {
    this.setFoldCache(null);
  }

  private checkInput(x: tf.Tensor): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`Conv2d: expected NHWC input with ${this.inChannels} channels, got [${x.shape}]`);
    }
    return x as tf.Tensor4D;
  }
}
