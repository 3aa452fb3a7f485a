import type * as tf from '@tensorflow/tfjs-core';
import { detachWhenFrozen } from './frozen-pass.js';
import { attentionHeads } from './head-geometry.js';
import { Layer } from '../module.js';

/**
 * What every ViT encoder here (DINOv2, DINOv3) has in common besides its blocks: the width, patch
 * side and prefix tokens from its config, and a frozen forward pass cut from the gradient tape.
 */
export abstract class VisionTransformerBase extends Layer {
  abstract readonly config: { embedDim: number; patchSize: number; numRegisterTokens: number };

  get embedDim(): number {
    return this.config.embedDim;
  }

  get patchSize(): number {
    return this.config.patchSize;
  }

  /** Tokens before the patches: 1 cls + registers. */
  get numPrefixTokens(): number {
    return 1 + this.config.numRegisterTokens;
  }

  /** True when no parameter takes gradients: then the forward pass is cut from the gradient tape. */
  get frozen(): boolean {
    return this.trainableParameters().length === 0;
  }

  /** Runs `compute`, cut from the gradient tape when the encoder is frozen (zero gradient to the image). */
  protected detached(image: tf.Tensor, compute: (x: tf.Tensor) => tf.Tensor[]): tf.Tensor[] {
    return detachWhenFrozen(this.frozen, image, compute);
  }
}

/** Multi-head self-attention's geometry (`dim`, `numHeads`, `headDim`, `scale`); subclasses add their projections. */
export abstract class MultiHeadAttentionBase extends Layer {
  readonly headDim: number;
  readonly scale: number;

  constructor(
    readonly dim: number,
    readonly numHeads: number,
  ) {
    super();
    ({ headDim: this.headDim, scale: this.scale } = attentionHeads(dim, numHeads));
  }
}
