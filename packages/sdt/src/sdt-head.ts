import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, type Layer, Module, ReLU, type RecomputeSegment, type Sequential, recomputeChain, recomputeGrad } from '@anydepth/core';
import { type HeadFeature, checkFeatures } from './features.js';
import { outputHead } from './output-head.js';
import { SpatialDetailEnhancer } from './spatial-detail-enhancer.js';
import { DySampleUpsampler, type UpsamplerOptions, refinementBlock } from './upsampler.js';
import { WeightedFusion } from './weighted-fusion.js';

export interface SDTHeadOptions {
  /** ViT width, or one width per layer (then `numLayers` is its length). */
  inChannels: number | number[];
  /** Fusion width C (`fusion_channels`). Default 256. */
  fusionChannels?: number;
  /** Output channels (`n_output_channels`). Default 1. */
  outChannels?: number;
  /** Number of backbone layers fused when `inChannels` is a number. Default 4. */
  numLayers?: number;
  /**
   * Build the class-token readouts `readout_projects` (default true, as the official module, which
   * builds and counts them unconditionally). Set false for backbones without a class token.
   */
  readout?: boolean;
  /** DySample settings (official: lp, 4 groups, dyscope). */
  upsampler?: UpsamplerOptions;
  /** Recompute each upsampling / refinement / output block in the backward pass (see {@link SDTHead.recompute}). Default false. */
  recompute?: boolean;
}

/** Every intermediate of one forward pass, NHWC (the caller disposes them). */
export interface SDTStages {
  /** WeightedFusion output T [B, h, w, C] (token-major, row-major). */
  fused: tf.Tensor;
  /** Spatial Detail Enhancer output [B, h, w, C]. */
  sde: tf.Tensor;
  /** `upsample_1.dysample1` output [B, 2h, 2w, C]. */
  up1_1: tf.Tensor;
  /** `upsample_1` output [B, 4h, 4w, C]. */
  up1: tf.Tensor;
  /** `refinement_1` output [B, 4h, 4w, C]. */
  ref1: tf.Tensor;
  /** `upsample_2` output [B, 16h, 16w, C]. */
  up2: tf.Tensor;
  /** `refinement_2` output [B, 16h, 16w, C]. */
  ref2: tf.Tensor;
  /** `output_conv` logits [B, 16h, 16w, outChannels]. */
  logits: tf.Tensor;
}

/**
 * The AnyDepth Simple Depth Transformer head (`model/sdt_head.py` `SDTHead`), NHWC, official
 * state-dict names. Fuse-then-reassemble: weighted token fusion (Eq. 1) → Spatial Detail Enhancer
 * (Eq. 2) → two ×4 DySample upsamplers each followed by a refinement conv (Eqs. 3–6) → output convs.
 * Works on any ViT: any number of layers, any per-layer width, with or without a class token.
 *
 * Parameters with C = 256 and 4 layers: 5,517,381 / 9,451,077 / 13,384,261 for D = 384 / 768 / 1024.
 */
export class SDTHead extends Module {
  readonly inChannels: number[];
  readonly fusionChannels: number;
  readonly outChannels: number;
  readonly weightedFusion: WeightedFusion;
  readonly detailEnhancer: SpatialDetailEnhancer;
  readonly upsample1: DySampleUpsampler;
  readonly refinement1: Sequential;
  readonly upsample2: DySampleUpsampler;
  readonly refinement2: Sequential;
  readonly outputConv: Sequential;
  /**
   * Training memory: with `true`, in training mode the blocks after the Spatial Detail Enhancer
   * (the four DySample steps, both refinements, `output_conv`) run under {@link recomputeGrad}, one
   * segment per DySample / convolution with its BatchNorm and ReLU, so the backward pass keeps only the
   * segments' inputs and recomputes one segment at a time (one extra forward pass; the same
   * gradients). Eval mode and inference are unaffected.
   */
  recompute: boolean;

  constructor(options: SDTHeadOptions) {
    super();
    const numLayers = options.numLayers ?? 4;
    this.inChannels = Array.isArray(options.inChannels) ? [...options.inChannels] : Array.from({ length: numLayers }, () => options.inChannels as number);
    if (this.inChannels.length < 1 || this.inChannels.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`SDTHead: inChannels must be positive integers, got [${this.inChannels}]`);
    }
    this.fusionChannels = options.fusionChannels ?? 256;
    this.outChannels = options.outChannels ?? 1;
    const c = this.fusionChannels;
    if (c % (options.upsampler?.groups ?? 4)) throw new Error(`SDTHead: fusionChannels (${c}) must be divisible by the DySample groups`);
    this.weightedFusion = this.addModule('weighted_fusion', new WeightedFusion({ inChannels: this.inChannels, outChannels: c, readout: options.readout }));
    this.detailEnhancer = this.addModule('detail_enhancer', new SpatialDetailEnhancer(c));
    this.upsample1 = this.addModule('upsample_1', new DySampleUpsampler(c, options.upsampler));
    this.refinement1 = this.addModule('refinement_1', refinementBlock(c));
    this.upsample2 = this.addModule('upsample_2', new DySampleUpsampler(c, options.upsampler));
    this.refinement2 = this.addModule('refinement_2', refinementBlock(c));
    this.outputConv = this.addModule('output_conv', outputHead(c, this.outChannels));
    this.recompute = options.recompute ?? false;
  }

  /**
   * `block.forward(x)`; when training with `recompute`, one recomputed segment per layer with the
   * BatchNorm / ReLU layers that follow it (tfjs keeps every gradient of a backward pass until it
   * ends, so smaller segments lower the peak of each recomputation).
   */
  private block(block: Sequential, x: tf.Tensor): tf.Tensor {
    if (!(this.training && this.recompute)) return block.forward(x);
    let y = x;
    for (const seg of segmentsOf(block)) {
      const next = recomputeGrad(seg.modules, seg.f, y);
      if (y !== x) y.dispose();
      y = next;
    }
    return y;
  }

  /** Runs the head and returns every stage (for inspection and debugging); the caller disposes them. */
  forwardStages(features: readonly HeadFeature[]): SDTStages {
    checkFeatures('SDTHead', features, this.inChannels);
    const fused = this.weightedFusion.forward(features); // [B, h, w, C]
    const sde = this.detailEnhancer.forward(fused); // [B, h, w, C]
    const up1_1 = this.block(this.upsample1.dysample1, sde); // [B, 2h, 2w, C]
    const up1 = this.block(this.upsample1.dysample2, up1_1); // [B, 4h, 4w, C]
    const ref1 = this.block(this.refinement1, up1); // [B, 4h, 4w, C]
    const up2_1 = this.block(this.upsample2.dysample1, ref1); // [B, 8h, 8w, C]
    const up2 = this.block(this.upsample2.dysample2, up2_1); // [B, 16h, 16w, C]
    up2_1.dispose();
    const ref2 = this.block(this.refinement2, up2); // [B, 16h, 16w, C]
    const logits = this.block(this.outputConv, ref2); // [B, 16h, 16w, out]
    return { fused, sde, up1_1, up1, ref1, up2, ref2, logits };
  }

  /**
   * features: L × `{ patches: [B, h, w, D_i], cls?: [B, D_i] }` → logits [B, 16h, 16w, outChannels]. Training with
   * `recompute` runs the blocks after the Spatial Detail Enhancer as one `recomputeChain` of the same segments
   * `forwardStages` recomputes one by one: the backward pass then frees each segment's input and output gradient
   * as it goes (the batch-2, 256-px, C = 256 step fits the 4 GiB wasm heap).
   */
  forward(features: readonly HeadFeature[]): tf.Tensor {
    if (!(this.training && this.recompute)) return tf.tidy(() => this.forwardStages(features).logits);
    return tf.tidy(() => {
      checkFeatures('SDTHead', features, this.inChannels);
      const sde = this.detailEnhancer.forward(this.weightedFusion.forward(features)); // [B, h, w, C]
      const blocks = [
        this.upsample1.dysample1,
        this.upsample1.dysample2,
        this.refinement1,
        this.upsample2.dysample1,
        this.upsample2.dysample2,
        this.refinement2,
        this.outputConv,
      ];
      return recomputeChain(blocks.flatMap(segmentsOf), sde); // [B, 16h, 16w, out]
    });
  }
}

/** A block's recomputation segments: each layer with the BatchNorm / ReLU layers that follow it, run in order. */
function segmentsOf(block: Sequential): RecomputeSegment[] {
  const groups: Layer[][] = [];
  for (const layer of block.layers) {
    if (groups.length && (layer instanceof BatchNorm2d || layer instanceof ReLU)) groups[groups.length - 1].push(layer);
    else groups.push([layer]);
  }
  return groups.map((layers) => ({ modules: layers, f: (t: tf.Tensor) => layers.reduce((a, layer) => layer.forward(a), t) }));
}
