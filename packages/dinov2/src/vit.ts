import * as tf from '@tensorflow/tfjs-core';
import { ModuleList, normalInit } from '@anydepth/core';
import { VisionTransformerBase, type VitInitOptions } from '@anydepth/core/internal';
import { Block } from './block.js';
import { type Dinov2Config, type Dinov2ConfigInput, type Dinov2PresetName, dinov2Config, dinov2Preset } from './config.js';
import { PatchEmbed } from './patch-embed.js';
import { interpolatePosEncoding } from './pos-embed.js';

/** `rng` for the random initial weights; `frozen` (default true). */
export type Dinov2Options = VitInitOptions;

export interface Dinov2IntermediateOptions {
  /** Block indices (0-based, output taken after the block); default `config.intermediateLayers`. */
  layers?: number[];
  /** Pass each tapped output through the final LayerNorm (default true, as the official default). */
  norm?: boolean;
  /** Include the class token of each layer (default true). */
  returnClassToken?: boolean;
}

/** One tapped block output, split into its parts (a `HeadFeature` for SDT / DPT heads). */
export interface Dinov2Feature {
  /** Patch tokens as an NHWC map [B, h, w, D]. */
  patches: tf.Tensor4D;
  /** Class token [B, D] (absent with `returnClassToken: false`). */
  cls?: tf.Tensor2D;
  /** Register tokens [B, R, D] (R = 0 for the plain models). */
  registers: tf.Tensor3D;
}

function resolveConfig(config: Dinov2Config | Dinov2ConfigInput | Dinov2PresetName): Dinov2Config {
  if (typeof config === 'string') return dinov2Preset(config);
  return dinov2Config(config);
}

/**
 * The DINOv2 ViT (official `DinoVisionTransformer`, as in facebookresearch/dinov2 and Depth
 * Anything V2) in NHWC with the official state-dict names: `cls_token`, `pos_embed`,
 * `register_tokens` (-reg models), `mask_token`, `patch_embed.proj.*`, `blocks.<i>.*`, `norm.*`.
 * Hugging Face `Dinov2Model` checkpoints load through `loadDinov2Weights`. Inputs must have sides
 * that are multiples of the patch size (14); the learned 37×37 position grid is resized to the
 * patch grid with PyTorch's bicubic kernel exactly as `interpolate_pos_encoding`.
 * Frozen by default (`requiresGrad(false)`, no gradient back to the image).
 */
export class Dinov2VisionTransformer extends VisionTransformerBase<Dinov2Config> {
  readonly clsToken: tf.Variable; // [1, 1, D]
  readonly posEmbed: tf.Variable; // [1, 1 + M², D]
  readonly registerTokens: tf.Variable | null; // [1, R, D]
  /** Only used in masked-image training; kept so official checkpoints load strictly. */
  readonly maskToken: tf.Variable; // [1, D]
  readonly patchEmbed: PatchEmbed;
  readonly blocks: ModuleList<Block>;

  constructor(config: Dinov2Config | Dinov2ConfigInput | Dinov2PresetName, options: Dinov2Options = {}) {
    super(resolveConfig(config));
    const c = this.config;
    const d = c.embedDim;
    this.clsToken = this.addParameter('cls_token', normalInit([1, 1, d], 1e-6, options.rng));
    this.posEmbed = this.addParameter('pos_embed', normalInit([1, 1 + c.posEmbedGrid ** 2, d], 0.02, options.rng));
    this.registerTokens = c.numRegisterTokens > 0 ? this.addParameter('register_tokens', normalInit([1, c.numRegisterTokens, d], 1e-6, options.rng)) : null;
    this.maskToken = this.addParameter('mask_token', tf.zeros([1, d]));
    this.patchEmbed = this.addModule('patch_embed', new PatchEmbed(d, c.patchSize, c.inChannels, options.rng));
    this.blocks = this.addModule('blocks', new ModuleList(Array.from({ length: c.depth }, () => new Block(c, options.rng))));
    this.finishEncoder(options.frozen);
  }

  /** The patch grid [h, w] of an NHWC image, validating the input. */
  patchGrid(image: tf.Tensor): [number, number] {
    const c = this.config;
    if (image.rank !== 4 || image.shape[3] !== c.inChannels) {
      throw new Error(`DINOv2: expected an NHWC image [B, H, W, ${c.inChannels}], got [${image.shape}]`);
    }
    const [, hIn, wIn] = image.shape;
    const p = c.patchSize;
    if (hIn % p || wIn % p) {
      throw new Error(
        `DINOv2: image height and width must be multiples of the patch size ${p}, got ${hIn}×${wIn}; ` +
          `resize (Depth Anything V2 preprocessing) or centre-pad to ${Math.ceil(hIn / p) * p}×${Math.ceil(wIn / p) * p}`,
      );
    }
    return [hIn / p, wIn / p];
  }

  /** The position embedding for an h×w patch grid: [1, 1 + h·w, D] (official `interpolate_pos_encoding`). */
  positionEmbedding(h: number, w: number): tf.Tensor3D {
    const c = this.config;
    return interpolatePosEncoding(this.posEmbed, h, w, { offset: c.interpolateOffset, antialias: c.interpolateAntialias });
  }

  /** The token sequence entering block 0: [cls, registers…, patches] + positions, [B, 1 + R + h·w, D]. */
  prepareTokens(image: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      const [h, w] = this.patchGrid(image);
      const b = image.shape[0];
      const d = this.config.embedDim;
      const patches = this.patchEmbed.forward(image as tf.Tensor4D); // [B, h·w, D]
      const cls = tf.broadcastTo(this.clsToken, [b, 1, d]); // [B, 1, D]
      // Positions are added to cls + patches; the registers come in afterwards, without positions.
      const x = tf.add(tf.concat([cls, patches], 1), this.positionEmbedding(h, w)); // [B, 1 + h·w, D]
      if (!this.registerTokens) return x as tf.Tensor3D;
      const r = this.config.numRegisterTokens;
      const regs = tf.broadcastTo(this.registerTokens, [b, r, d]); // [B, R, D]
      return tf.concat([tf.slice(x, [0, 0, 0], [b, 1, d]), regs, tf.slice(x, [0, 1, 0], [b, h * w, d])], 1) as tf.Tensor3D; // [B, N, D]
    });
  }

  protected begin(image: tf.Tensor) {
    return { tokens: this.prepareTokens(image), block: (i: number, x: tf.Tensor) => this.blocks.at(i).forward(x) };
  }

  /** Final tokens after the last block and the final LayerNorm: [B, N, D] (`x_norm` of `forward_features`). */
  forward(image: tf.Tensor): tf.Tensor3D {
    return this.lastHiddenState(image);
  }

  /**
   * Outputs of the given blocks, each optionally through the final LayerNorm, split into patches
   * [B, h, w, D], cls [B, D] and registers [B, R, D] — the official
   * `get_intermediate_layers(x, n=layers, reshape=True, return_class_token=True, norm=norm)` in NHWC.
   * Accepts `(image, layers, options)` or `(image, { layers, norm, returnClassToken })`.
   */
  getIntermediateLayers(image: tf.Tensor, layersOrOptions?: number[] | Dinov2IntermediateOptions, more: Dinov2IntermediateOptions = {}): Dinov2Feature[] {
    const options: Dinov2IntermediateOptions = Array.isArray(layersOrOptions) ? { ...more, layers: layersOrOptions } : { ...(layersOrOptions ?? {}) };
    const layers = this.tapsOf(options.layers);
    const withCls = options.returnClassToken ?? true;
    const [h, w] = this.patchGrid(image);
    const flat = this.tapped(image, layers, options.norm ?? true);
    const out = flat.map(
      (tokens) =>
        tf.tidy(() => {
          const { cls, ...feature }: Dinov2Feature = this.splitTokens(tokens, h, w);
          return (withCls ? { cls, ...feature } : feature) as unknown as tf.TensorContainer;
        }) as unknown as Dinov2Feature,
    );
    flat.forEach((t) => t.dispose());
    return out;
  }
}
