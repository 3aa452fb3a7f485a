import * as tf from '@tensorflow/tfjs-core';
import { Layer } from '../module.js';
import type { VitConfigBase } from '../vit-config.js';
import { detachWhenFrozen } from './frozen-pass.js';
import { attentionHeads } from './head-geometry.js';
import { LayerNorm } from './layer-norm.js';

/** One tapped block output split into its tokens. */
export interface ViTTokenParts {
  /** Class token [B, D]. */
  cls: tf.Tensor2D;
  /** Register tokens [B, R, D]. */
  registers: tf.Tensor3D;
  /** Patch tokens as an NHWC map [B, h, w, D]. */
  patches: tf.Tensor4D;
}

/**
 * What every ViT encoder here (DINOv2, DINOv3) has in common besides its embeddings and blocks: the config's
 * width, patch side and prefix tokens, the tapped block loop, the final norm applied to taps, the split of
 * tokens into cls / registers / patches, and a forward pass cut from the gradient tape when frozen.
 */
export abstract class VisionTransformerBase<C extends VitConfigBase = VitConfigBase> extends Layer {
  private finalNorm: LayerNorm | null = null;

  constructor(readonly config: C) {
    super();
  }

  /** The final LayerNorm (`norm.*`), applied to the last block's tokens and, optionally, to every tap. */
  get norm(): LayerNorm {
    if (!this.finalNorm) throw new Error('VisionTransformerBase: the encoder has not called finishEncoder()');
    return this.finalNorm;
  }

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

  /**
   * For a prepared image: the tokens entering block 0, [B, N, D], and how to run block `i` on tokens (closing
   * over what the family computes once per image, e.g. DINOv3's RoPE tables).
   */
  protected abstract begin(input: tf.Tensor): { tokens: tf.Tensor; block: (i: number, x: tf.Tensor) => tf.Tensor };

  /**
   * Ends the family's constructor: registers the final LayerNorm (last, as in the official state dicts) and
   * starts in eval mode, frozen (no trainable parameter, as AnyDepth freezes its encoder) unless `frozen` is false.
   */
  protected finishEncoder(frozen = true): void {
    this.finalNorm = this.addModule('norm', new LayerNorm(this.config.embedDim, { eps: this.config.layerNormEps }));
    this.eval();
    if (frozen) this.requiresGrad(false);
  }

  /** The blocks to tap, `layers` or the config's default, each checked to be a block index. */
  protected tapsOf(layers: readonly number[] | undefined): number[] {
    const { depth, intermediateLayers } = this.config;
    const taps = [...(layers ?? intermediateLayers)];
    if (taps.length === 0) throw new Error('getIntermediateLayers: `layers` is empty');
    for (const i of taps) {
      if (!Number.isInteger(i) || i < 0 || i >= depth) throw new Error(`getIntermediateLayers: layer ${i} is outside 0..${depth - 1}`);
    }
    return taps;
  }

  /**
   * The outputs of the blocks in `taps` (in the order given), each through the final norm when `normed`, for a
   * prepared image. Stops after the last block needed and frees untapped activations as it goes (ViT-L at
   * 768 px holds one block's tokens, not 24); cut from the gradient tape when frozen.
   */
  protected tapped(input: tf.Tensor, taps: number[], normed: boolean): tf.Tensor[] {
    return tf.tidy(() =>
      detachWhenFrozen(this.frozen, input, (image) => {
        const last = Math.max(...taps);
        const outputs = new Map<number, tf.Tensor>();
        const { tokens, block } = this.begin(image);
        let x = tokens; // [B, N, D]
        for (let i = 0; i <= last; i++) {
          const next = block(i, x); // [B, N, D]
          if (!taps.includes(i - 1)) x.dispose();
          x = next;
          if (taps.includes(i)) outputs.set(i, x);
        }
        const raw = taps.map((i) => outputs.get(i)!);
        return normed ? raw.map((t) => this.norm.forward(t)) : raw;
      }),
    );
  }

  /** Final tokens after the last block and the final norm, [B, N, D], for a prepared image. */
  protected lastHiddenState(input: tf.Tensor): tf.Tensor3D {
    return this.tapped(input, [this.config.depth - 1], true)[0] as tf.Tensor3D;
  }

  /** Splits tokens [B, 1 + R + h·w, D] into cls [B, D], registers [B, R, D] and patches [B, h, w, D]. */
  protected splitTokens(tokens: tf.Tensor, h: number, w: number): ViTTokenParts {
    const b = tokens.shape[0];
    const r = this.config.numRegisterTokens;
    const d = this.config.embedDim;
    return {
      cls: tf.reshape(tf.slice(tokens, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D, // [B, D]
      registers: tf.slice(tokens, [0, 1, 0], [b, r, d]) as tf.Tensor3D, // [B, R, D]
      patches: tf.reshape(tf.slice(tokens, [0, 1 + r, 0], [b, h * w, d]), [b, h, w, d]) as tf.Tensor4D, // [B, h, w, D]
    };
  }

  /** Approximate forward FLOPs (multiply-add = 2) for an H×W image, batch 1: patch embed, projections, attention, MLP. */
  flops(height: number, width: number): number {
    const c = this.config;
    const hw = (height / c.patchSize) * (width / c.patchSize);
    const n = hw + this.numPrefixTokens;
    const d = c.embedDim;
    const patch = 2 * hw * c.patchSize * c.patchSize * c.inChannels * d;
    const proj = 2 * n * d * d * 4; // q, k, v, o
    const attn = 2 * 2 * n * n * d; // q·kᵀ and attn·v over all heads
    const ffn = 2 * n * d * c.ffnHiddenDim * (c.ffn === 'swiglu' ? 3 : 2);
    return patch + c.depth * (proj + attn + ffn);
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
