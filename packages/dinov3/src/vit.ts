import * as tf from '@tensorflow/tfjs-core';
import { LayerNorm, ModuleList, type Rng, centerPad } from '@anydepth/core';
import { VisionTransformerBase } from '@anydepth/core/internal';
import { Block } from './block.js';
import { type DinoV3Config, type DinoV3ConfigInput, type DinoV3PresetName, dinov3Config, dinov3Preset, headDim } from './config.js';
import { PatchEmbeddings } from './patch-embed.js';
import { ropeTensors } from './rope.js';

/** What to do with an image whose sides are not multiples of the patch size. */
export type PadMode = 'error' | 'center';

export interface DinoVisionTransformerOptions {
  /** Generator for the random initial weights (the default generator otherwise). */
  rng?: Rng;
  /** Freeze the encoder (default true): no trainable parameters and no gradient through it. */
  frozen?: boolean;
}

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
export class DinoVisionTransformer extends VisionTransformerBase {
  readonly config: DinoV3Config;
  readonly embeddings: PatchEmbeddings;
  readonly layer: ModuleList<Block>;
  readonly norm: LayerNorm;

  constructor(config: DinoV3Config | DinoV3ConfigInput | DinoV3PresetName, options: DinoVisionTransformerOptions = {}) {
    super();
    this.config = resolveConfig(config);
    const c = this.config;
    this.embeddings = this.addModule('embeddings', new PatchEmbeddings(c.embedDim, c.patchSize, c.numRegisterTokens, c.inChannels, options.rng));
    this.layer = this.addModule('layer', new ModuleList(Array.from({ length: c.depth }, () => new Block(c, options.rng))));
    this.norm = this.addModule('norm', new LayerNorm(c.embedDim, { eps: c.layerNormEps }));
    this.eval();
    if (options.frozen ?? true) this.requiresGrad(false);
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

  /**
   * Runs the blocks on a prepared image and returns the raw outputs of the blocks in `taps`
   * (in the order given), stopping after the last one needed.
   */
  private runBlocks(image: tf.Tensor4D, taps: number[]): tf.Tensor[] {
    return tf.tidy(() => {
      const c = this.config;
      const h = image.shape[1] / c.patchSize;
      const w = image.shape[2] / c.patchSize;
      // RoPE recomputed for this grid; inference form only (no shift / jitter / rescale).
      const { sin, cos } = ropeTensors(h, w, headDim(c), c.ropeBase, this.numPrefixTokens); // [N, hd] each
      const last = Math.max(...taps);
      const outputs = new Map<number, tf.Tensor>();
      let x: tf.Tensor = this.embeddings.forward(image); // [B, N, D]
      for (let i = 0; i <= last; i++) {
        const next = this.layer.at(i).forward(x, sin, cos); // [B, N, D]
        if (!taps.includes(i - 1)) x.dispose(); // free untapped activations early (ViT-L at 768 px)
        x = next;
        if (taps.includes(i)) outputs.set(i, x);
      }
      return taps.map((i) => outputs.get(i)!);
    });
  }

  /** Final tokens after the last block and the final LayerNorm: [B, N, D] (HF `last_hidden_state`). */
  forward(image: tf.Tensor, options: EncodeOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const input = this.prepareInput(image, options.pad);
      const [out] = this.detached(input, (x) => [this.norm.forward(this.runBlocks(x as tf.Tensor4D, [this.config.depth - 1])[0])]);
      return out as tf.Tensor3D;
    });
  }

  /**
   * Outputs of the given blocks (default `config.intermediateLayers`), each optionally passed
   * through the final LayerNorm, split into patches [B, h, w, D], cls [B, D] and registers [B, R, D].
   * Like DINOv3's `get_intermediate_layers(x, n=layers, reshape=True, return_class_token=True,
   * return_extra_tokens=True, norm=norm)`, in NHWC.
   */
  getIntermediateLayers(image: tf.Tensor, options: IntermediateLayersOptions = {}): IntermediateLayer[] {
    const c = this.config;
    const layers = options.layers ?? c.intermediateLayers;
    const norm = options.norm ?? true;
    if (layers.length === 0) throw new Error('getIntermediateLayers: `layers` is empty');
    for (const i of layers) {
      if (!Number.isInteger(i) || i < 0 || i >= c.depth) throw new Error(`getIntermediateLayers: layer ${i} is outside 0..${c.depth - 1}`);
    }
    const flat = tf.tidy(() => {
      const input = this.prepareInput(image, options.pad);
      return this.detached(input, (x) => {
        const raw = this.runBlocks(x as tf.Tensor4D, layers);
        return norm ? raw.map((t) => this.norm.forward(t)) : raw;
      });
    });
    return tf.tidy(() => {
      const [b, hIn, wIn] = this.preparedShape(image, options.pad);
      const h = hIn / c.patchSize;
      const w = wIn / c.patchSize;
      const r = c.numRegisterTokens;
      const d = c.embedDim;
      const out = flat.map((tokens) => ({
        cls: tf.reshape(tf.slice(tokens, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D,
        registers: tf.slice(tokens, [0, 1, 0], [b, r, d]) as tf.Tensor3D,
        patches: tf.reshape(tf.slice(tokens, [0, 1 + r, 0], [b, h * w, d]), [b, h, w, d]) as tf.Tensor4D,
      }));
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
