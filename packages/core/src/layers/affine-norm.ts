import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../module.js';

/**
 * A normalisation with PyTorch's optional learned per-feature affine map: `weight` (ones) and `bias` (zeros),
 * [features] each, or neither. Shared by BatchNorm2d and LayerNorm so both load the same state-dict names.
 */
export abstract class AffineNorm extends Layer {
  readonly weight: tf.Variable | null;
  readonly bias: tf.Variable | null;

  constructor(
    features: number,
    readonly eps: number,
    affine: boolean,
  ) {
    super();
    this.weight = affine ? this.addParameter('weight', tf.ones([features])) : null;
    this.bias = affine ? this.addParameter('bias', tf.zeros([features])) : null;
  }
}
