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
  return tf.tidy(() => {
    const { weight, bias } = foldedWeights(conv, bn);
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
 * `foldBatchNorm(conv, bn)` kept between calls, owned by `conv` (disposed with it; do not dispose the
 * result; call it inside a `tf.tidy`). Under a gradient tape the fold is made fresh instead, so that gradients reach
 * the conv and BatchNorm parameters; the caller's tidy releases it. The fold is redone only when one of the six tensors it reads has changed: `Variable.assign`
 * (loading weights, training steps, running-statistics updates) gives a variable a new data id, and the
 * cached fold remembers the ids it was made from. Keeping the same folded tensors matters for speed:
 * the wasm kernels cache their packed or Winograd-transformed filters by the filter's data id, so a fresh
 * fold per call would redo that work (20–40 ms per 256-channel conv) on every prediction.
 */
export function foldedWeights(conv: Conv2d, bn: BatchNorm2d | null): { weight: tf.Tensor; bias: tf.Tensor | null } {
  if (!bn) return { weight: conv.weight, bias: conv.bias };
  if (gradientRecording()) return foldBatchNorm(conv, bn);
  const sources = [conv.weight, conv.bias, bn.weight, bn.bias, bn.runningMean, bn.runningVar].map((t) => t?.dataId ?? null);
  const cached = conv.foldCache;
  if (cached && cached.bn === bn && cached.sources.every((id, i) => id === sources[i])) return cached;
  const folded = foldBatchNorm(conv, bn);
  tf.keep(folded.weight);
  if (folded.bias) tf.keep(folded.bias);
  conv.setFoldCache({ bn, sources, weight: folded.weight, bias: folded.bias });
  return folded;
}

/** Whether a gradient tape is recording (inside `tf.grad`, `tf.variableGrads`, …). */
function gradientRecording(): boolean {
  // tfjs-core exposes no public query; `gradientDepth` is the counter its own tape check reads.
  return ((tf.engine() as unknown as { state: { gradientDepth?: number } }).state.gradientDepth ?? 0) > 0;
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
