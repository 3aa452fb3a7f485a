import * as tf from '@tensorflow/tfjs-core';
import { type HeadFeature, Module, centerPad, depthFromLogits } from '@anydepth/core';
import { SDTHead } from '@anydepth/sdt';
import type { AnyDepthConfig } from './presets.js';
import { type TiledHeadOptions, sdtForwardTiled } from './tiled-sdt.js';

/** What AnyDepth needs from an encoder: DINOv3 fits, and so does any ViT that yields token maps. */
export interface FeatureEncoder extends Module {
  getIntermediateLayers(image: tf.Tensor, options: { layers: number[]; norm: boolean }): HeadFeature[];
}

/** What AnyDepth needs from a head: features in, logits [B, H, W, 1] out. */
export interface DepthHead extends Module {
  forward(features: HeadFeature[]): tf.Tensor;
}

export interface AnyDepthOptions {
  encoder: FeatureEncoder;
  decoder: DepthHead;
  /** Encoder blocks to tap (0-based, output after the block). */
  layers: number[];
  /** Pass the tapped outputs through the encoder's final LayerNorm (spec decision 1). Default true. */
  norm?: boolean;
  /** Added after the ReLU: the output is `relu(logits) + minDepth`. Default 0.001. */
  minDepth?: number;
  /** Keep the encoder frozen (default true): excluded from trainable parameters, no gradient through it. */
  freezeEncoder?: boolean;
  /** Inputs are centre-padded to multiples of this (the encoder's patch size, default 16). */
  patchSize?: number;
  /** The configuration the model was built from, when it came from `createAnyDepth` (saved in checkpoints). */
  config?: AnyDepthConfig;
}

/**
 * AnyDepth: a frozen encoder, a trainable head, and `ReLU(x) + 0.001` (FeaturesToDepth). Child
 * modules are named `encoder` and `decoder`, so one safetensors file with those prefixes holds a
 * whole model. The output is affine-invariant disparity at the (centre-padded) input resolution.
 */
export class AnyDepth extends Module {
  readonly encoder: FeatureEncoder;
  readonly decoder: DepthHead;
  readonly layers: number[];
  readonly norm: boolean;
  readonly minDepth: number;
  readonly freezeEncoder: boolean;
  readonly patchSize: number;
  readonly config?: AnyDepthConfig;
  /**
   * Row-band execution of an SDT head's full-resolution tail (exact). Default `{}`: bands only
   * where a tensor would exceed the backend's buffer limit (WebGPU `maxStorageBufferBindingSize`);
   * `'off'` never tiles.
   */
  tiling: TiledHeadOptions | 'off' = {};

  constructor(options: AnyDepthOptions) {
    super();
    this.encoder = this.addModule('encoder', options.encoder);
    this.decoder = this.addModule('decoder', options.decoder);
    this.layers = options.layers;
    this.norm = options.norm ?? true;
    this.minDepth = options.minDepth ?? 0.001;
    this.freezeEncoder = options.freezeEncoder ?? true;
    this.patchSize = options.patchSize ?? 16;
    this.config = options.config;
    if (this.freezeEncoder) this.encoder.requiresGrad(false).eval();
  }

  override train(mode = true): this {
    super.train(mode);
    if (this.freezeEncoder) this.encoder.eval();
    return this;
  }

  /** Encoder features for an ImageNet-normalised NHWC image; sides are centre-padded to the patch size. */
  encode(image: tf.Tensor): HeadFeature[] {
    if (image.rank !== 4 || image.shape[3] !== 3) throw new Error(`AnyDepth: expected an NHWC RGB image [B,H,W,3], got [${image.shape}]`);
    const { padded } = centerPad(image as tf.Tensor4D, this.patchSize);
    const features = this.encoder.getIntermediateLayers(padded, { layers: this.layers, norm: this.norm });
    if (padded !== image) padded.dispose();
    return features;
  }

  /** Head logits [B, H', W', 1] (H', W' = padded size). */
  forwardLogits(image: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.runHead(this.encode(image)));
  }

  /** Disparity `relu(logits) + minDepth`, [B, H', W', 1]. */
  forward(image: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.depthFromLogits(this.forwardLogits(image)));
  }

  /** Disparity from precomputed encoder features (used with feature caching in training). */
  forwardFeatures(features: HeadFeature[]): tf.Tensor {
    return tf.tidy(() => this.depthFromLogits(this.runHead(features)));
  }

  private runHead(features: HeadFeature[]): tf.Tensor {
    const logits =
      this.decoder instanceof SDTHead && this.tiling !== 'off' ? sdtForwardTiled(this.decoder, features, this.tiling) : this.decoder.forward(features);
    // SDT upsamples the token grid 16× (two ×4 DySample stages), which is the input size only for a
    // patch-16 encoder (DINOv3). On a patch-14 encoder (DINOv2) it gives 16h × 16w for a 14h × 14w
    // input, so the logits are resized to the (padded) input with bilinear, half-pixel centres.
    const [, h, w] = features[0].patches.shape;
    const size: [number, number] = [h * this.patchSize, w * this.patchSize];
    if (logits.shape[1] === size[0] && logits.shape[2] === size[1]) return logits;
    return tf.tidy(() => tf.image.resizeBilinear(logits as tf.Tensor4D, size, false, true)); // [B, p·h, p·w, out]
  }

  depthFromLogits(logits: tf.Tensor): tf.Tensor {
    return depthFromLogits(logits, this.minDepth);
  }
}
