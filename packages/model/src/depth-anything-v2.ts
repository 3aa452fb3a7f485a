import * as tf from '@tensorflow/tfjs-core';
import { Module, type Rng } from '@anydepth/core';
import { type Dinov2Config, type Dinov2Feature, Dinov2VisionTransformer } from '@anydepth/dinov2';
import { type DAv2HeadStages, DepthAnythingV2DPTHead } from '@anydepth/dpt';
import { getPreset } from './registry.js';

/** The built-in Depth Anything V2 presets (`listPresets('depth-anything-v2')`). */
export type DepthAnythingV2PresetName = 'dav2-tiny' | 'dav2-vits' | 'dav2-vitb' | 'dav2-vitl';

/** Everything needed to rebuild a Depth Anything V2 model. */
export interface DepthAnythingV2Config {
  encoder: Dinov2Config;
  /** DPT fusion width (`features`). */
  features: number;
  /** Reassembled widths per tapped layer (`out_channels`). */
  outChannels: number[];
  /** BatchNorm in the residual conv units (`use_bn`; false in every release). */
  useBn: boolean;
  /** Class-token readout (`use_clstoken`; false in every release). */
  useClsToken: boolean;
  /** Encoder blocks tapped (`intermediate_layer_idx`). */
  layers: number[];
}

/**
 * The configuration of a registered Depth Anything V2 preset (`getPreset(name, 'depth-anything-v2')`):
 * the releases (official README `model_configs`: DINOv2 with img_size 518, patch 14, LayerScale, offset
 * 0.1; taps [2,5,8,11] (S, B) and [4,11,17,23] (L); parameters S 24,785,089 · B 97,470,785 · L
 * 335,315,649) and `dav2-tiny` (the fixture).
 */
export function depthAnythingV2Preset(name: DepthAnythingV2PresetName | (string & {})): DepthAnythingV2Config {
  return getPreset(name, 'depth-anything-v2').config();
}

/** Intermediates of one pass: the encoder features and the head stages (the caller disposes them). */
export interface DepthAnythingV2Stages extends DAv2HeadStages {
  features: Dinov2Feature[];
}

/**
 * Depth Anything V2 (official `depth_anything_v2/dpt.py` `DepthAnythingV2`): a DINOv2 encoder
 * (`pretrained`) and the DAv2 DPT head (`depth_head`), so the official `.pth` state dict loads by
 * name (see `loadDepthAnythingV2Weights` for the transformers layout too). Input: an
 * ImageNet-normalised NHWC image whose sides are multiples of 14 (see
 * `preprocessDepthAnythingV2`); output: non-negative relative depth (disparity-like) [B, H, W, 1].
 */
export class DepthAnythingV2 extends Module {
  readonly config: DepthAnythingV2Config;
  readonly pretrained: Dinov2VisionTransformer;
  readonly depthHead: DepthAnythingV2DPTHead;

  constructor(config: DepthAnythingV2Config | DepthAnythingV2PresetName | (string & {}), options: { rng?: Rng } = {}) {
    super();
    const c = typeof config === 'string' ? depthAnythingV2Preset(config) : config;
    if (c.layers.length !== 4) throw new Error(`DepthAnythingV2: the DPT head needs 4 tapped layers, got [${c.layers}]`);
    this.config = { ...c, encoder: { ...c.encoder }, outChannels: [...c.outChannels], layers: [...c.layers] };
    this.pretrained = this.addModule('pretrained', new Dinov2VisionTransformer(c.encoder, { rng: options.rng, frozen: true }));
    this.depthHead = this.addModule(
      'depth_head',
      new DepthAnythingV2DPTHead({
        inChannels: c.encoder.embedDim,
        features: c.features,
        outChannels: c.outChannels,
        useBn: c.useBn,
        useClsToken: c.useClsToken,
        patchSize: c.encoder.patchSize,
      }),
    );
    this.eval();
  }

  get patchSize(): number {
    return this.config.encoder.patchSize;
  }

  /** Encoder features and every head stage for a prepared image (the caller disposes them). */
  forwardStages(image: tf.Tensor): DepthAnythingV2Stages {
    const features = this.pretrained.getIntermediateLayers(image, this.config.layers, { norm: true, returnClassToken: true });
    const stages = this.depthHead.forwardStages(features);
    return { ...stages, features };
  }

  /** Relative depth [B, H, W, 1] for an ImageNet-normalised NHWC image [B, H, W, 3] (H, W multiples of 14). */
  forward(image: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const features = this.pretrained.getIntermediateLayers(image, this.config.layers, { norm: true, returnClassToken: this.config.useClsToken });
      return tf.relu(this.depthHead.forward(features)); // [B, H, W, 1]
    });
  }
}
