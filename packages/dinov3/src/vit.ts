import * as tf from '@tensorflow/tfjs-core';
import { ModuleList, centerPad } from '@anydepth/core';
import { VisionTransformerBase, type VitInitOptions } from '@anydepth/core/internal';
import { Block } from './block.js';
import { type DinoV3Config, type DinoV3ConfigInput, type DinoV3PresetName, dinov3Config, dinov3Preset, headDim } from './config.js';
import { PatchEmbeddings } from './patch-embed.js';
import { ropeTensors } from './rope.js';

/** What to do with an image whose sides are not multiples of the patch size. */
export type PadMode = 'error' | 'center';

/** `rng` for the random initial weights; `frozen` (default true). */
export type DinoVisionTransformerOptions = VitInitOptions;

export interface EncodeOptions {
  /** `'error'` (default) rejects sides that are not multiples of 16; `'center'` zero-pads them like AnyDepth's CenterPadding. */
  pad?: PadMode;
}

export interface IntermediateLayersOptions extends EncodeOptions {
  /** Block indices (0-based, output taken after the block); default `config.intermediateLayers`. */
  layers?: number[];
  /** Apply the final LayerNorm to each tapped output (default true, spec README decision 1). */
  norm?: boolean;
}

/** One tapped block output, split into its parts. */
export interface IntermediateLayer {
  /** Patch tokens as an NHWC map [B, h, w, D]. */
  patches: tf.Tensor4D;
  /** Class token [B, D]. */
  cls: tf.Tensor2D;
  /** Register tokens [B, R, D]. */
  registers: tf.Tensor3D;
}

function resolveConfig(config: DinoV3Config | DinoV3ConfigInput | DinoV3PresetName): DinoV3Config {
  if (typeof config === 'string') return dinov3Preset(config);
  // A full config passes through unchanged (dinov3Config keeps every given field); a partial one is completed.
  return dinov3Config({ ...config, intermediateLayers: config.intermediateLayers ? [...config.intermediateLayers] : undefined });
}

/**
 * The DINOv3 ViT encoder (spec architecture.md §2) in NHWC, with Hugging Face parameter names
 * (`embeddings.*`, `layer.{i}.*`, `norm.*`; torch-hub checkpoints are mapped on load, see
 * `loadDinov3Weights`). Frozen by default, as in AnyDepth: `requiresGrad(false)` and no gradient
 * flows back through it to the image.
 */
export class DinoVisionTransformer extends VisionTransformerBase<DinoV3Config> {
  readonly embeddings: PatchEmbeddings;
  readonly layer: ModuleList<Block>;

  constructor(config: DinoV3Config | DinoV3ConfigInput | DinoV3PresetName, options: DinoVisionTransformerOptions = {}) {
    super(resolveConfig(config));
    const c = this.config;
    this.embeddings = this.addModule('embeddings', new PatchEmbeddings(c.embedDim, c.patchSize, c.numRegisterTokens, c.inChannels, options.rng));
    this.layer = this.addModule('layer', new ModuleList(Array.from({ length: c.depth }, () => new Block(c, options.rng))));
    this.finishEncoder(options.frozen);
  }

  /** Validates an NHWC image and pads it to multiples of the patch size when asked. Returns a new tensor. */
  prepareInput(image: tf.Tensor, pad: PadMode = 'error'): tf.Tensor4D {
    const c = this.config;
    if (image.rank !== 4 || image.shape[3] !== c.inChannels) {
      throw new Error(`DINOv3: expected an NHWC image [B, H, W, ${c.inChannels}], got [${image.shape}]`);
    }
    const [, h, w] = image.shape;
    const p = c.patchSize;
    const padH = (p - (h % p)) % p;
    const padW = (p - (w % p)) % p;
    if (padH === 0 && padW === 0) return tf.clone(image) as tf.Tensor4D;
    if (pad !== 'center') {
      throw new Error(
        `DINOv3: image height and width must be multiples of the patch size ${p}, got ${h}×${w}; ` +
          `resize to ${h + padH}×${w + padW} (or pass { pad: 'center' } to zero-pad it centred)`,
      );
    }
    // AnyDepth CenterPadding (core's one rule); 0 is the mean colour after normalisation.
    return centerPad(image as tf.Tensor4D, p).padded;
  }

  /** The token sequence entering block 0 (cls, registers, patches): [B, N, D]. */
  embed(image: tf.Tensor, options: EncodeOptions = {}): tf.Tensor3D {
    return tf.tidy(() => this.embeddings.forward(this.prepareInput(image, options.pad)));
  }

  protected begin(input: tf.Tensor) {
    const c = this.config;
    const [, h, w] = (input as tf.Tensor4D).shape.map((n) => n / c.patchSize);
    // RoPE for this image's patch grid, inference form only (no shift / jitter / rescale).
    const { sin, cos } = ropeTensors(h, w, headDim(c), c.ropeBase, this.numPrefixTokens); // [N, hd] each
    return { tokens: this.embeddings.forward(input as tf.Tensor4D), block: (i: number, x: tf.Tensor) => this.layer.at(i).forward(x, sin, cos) };
  }

  /** Final tokens after the last block and the final LayerNorm: [B, N, D] (HF `last_hidden_state`). */
  forward(image: tf.Tensor, options: EncodeOptions = {}): tf.Tensor3D {
    return tf.tidy(() => this.lastHiddenState(this.prepareInput(image, options.pad)));
  }

  /**
   * Outputs of the given blocks (default `config.intermediateLayers`), each optionally passed
   * through the final LayerNorm, split into patches [B, h, w, D], cls [B, D] and registers [B, R, D].
   * Like DINOv3's `get_intermediate_layers(x, n=layers, reshape=True, return_class_token=True,
   * return_extra_tokens=True, norm=norm)`, in NHWC.
   */
  getIntermediateLayers(image: tf.Tensor, options: IntermediateLayersOptions = {}): IntermediateLayer[] {
    const layers = this.tapsOf(options.layers);
    const flat = tf.tidy(() => this.tapped(this.prepareInput(image, options.pad), layers, options.norm ?? true));
    return tf.tidy(() => {
      const [, h, w] = this.preparedShape(image, options.pad).map((n) => n / this.config.patchSize);
      const out = flat.map((tokens) => this.splitTokens(tokens, h, w));
      flat.forEach((t) => t.dispose());
      return out as unknown as tf.TensorContainer;
    }) as unknown as IntermediateLayer[];
  }

  /** The [B, H, W] an image has after `prepareInput`, without computing it. */
  private preparedShape(image: tf.Tensor, pad: PadMode = 'error'): [number, number, number] {
    const p = this.config.patchSize;
    const [b, h, w] = image.shape;
    if (pad === 'center') return [b, Math.ceil(h / p) * p, Math.ceil(w / p) * p];
    return [b, h, w];
  }
}
