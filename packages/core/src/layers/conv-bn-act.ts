import * as tf from '@tensorflow/tfjs-core';
import { ReLU } from './activations.js';
import { BatchNorm2d } from './batch-norm2d.js';
import { Conv2d } from './conv2d.js';
import { type FusedActivation, inferenceFusion } from './fusion.js';
import type { Layer } from '../module.js';

/**
 * `act(bn(conv(x)))` as one fused convolution with the eval-mode BatchNorm folded into the weights
 * (see fusion.ts). `bn` may be null (then only bias + activation are fused).
 */
export function convBnAct(conv: Conv2d, bn: BatchNorm2d | null, activation: FusedActivation, x: tf.Tensor): tf.Tensor {
  if (!bn) return conv.convolve(x, conv.weight, conv.bias, activation);
  return tf.tidy(() => {
    const { weight, bias } = foldBatchNorm(conv, bn);
    return conv.convolve(x, weight, bias, activation);
  });
}

/**
 * The weight (this conv's tfjs layout) and bias of `bn(conv(x))` as one convolution, from the live
 * parameters and the eval-mode BatchNorm (new tensors; the caller disposes them). Without `bn`, the
 * conv's own weight and bias (not copies).
 */
export function foldBatchNorm(conv: Conv2d, bn: BatchNorm2d | null): { weight: tf.Tensor; bias: tf.Tensor | null } {
  if (!bn) return { weight: conv.weight, bias: conv.bias };
  if (bn.numFeatures !== conv.outChannels) throw new Error(`convBnAct: BatchNorm2d(${bn.numFeatures}) after a conv with ${conv.outChannels} outputs`);
  return tf.tidy(() => {
    const { scale, shift } = bn.affine(); // [O] each
    // Output channels are the weight's last axis in both layouts ([kh, kw, in, out] and depthwise [kh, kw, in, multiplier]).
    const scaleW = conv.depthwise ? tf.reshape(scale, [1, 1, conv.inChannels, conv.outChannels / conv.inChannels]) : scale;
    const weight = tf.mul(conv.weight, scaleW);
    const bias = conv.bias ? tf.add(tf.mul(conv.bias, scale), shift) : shift; // [O]
    return { weight, bias };
  });
}

/**
 * How many layers starting at `layers[i]` fold into one fused convolution in eval mode: a fusable
 * Conv2d, then optionally an eval-mode BatchNorm2d, then optionally a ReLU. 0 when `layers[i]` is not
 * such a conv or fusion is off.
 */
export function fusedRun(layers: readonly Layer[], i: number): { length: number; bn: BatchNorm2d | null; activation: FusedActivation } {
  const none = { length: 0, bn: null, activation: 'linear' as const };
  const conv = layers[i];
  if (!inferenceFusion() || !(conv instanceof Conv2d) || conv.training || !conv.fusable) return none;
  let j = i + 1;
  let bn: BatchNorm2d | null = null;
  const next = layers[j];
  if (next instanceof BatchNorm2d && !next.usesBatchStatistics && next.numFeatures === conv.outChannels) {
    bn = next;
    j++;
  }
  const activation: FusedActivation = layers[j] instanceof ReLU ? 'relu' : 'linear';
  if (activation === 'relu') j++;
  return { length: j - i, bn, activation };
}
