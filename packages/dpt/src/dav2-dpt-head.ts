import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, GELU, Identity, type Layer, Linear, Module, ModuleList, ReLU, Sequential } from '@anydepth/core';
import { type HeadFeature, checkFeatures } from './features.js';
import { DAv2FeatureFusionBlock } from './fusion-block.js';
import { interpolateBilinear } from './interpolate.js';
import { dptResizeLayers } from './reassemble.js';

export type DAv2Encoder = 'vits' | 'vitb' | 'vitl' | 'vitg';

export interface DAv2DPTHeadOptions {
  /** ViT width D (one width for all four layers, as in DAv2). */
  inChannels: number;
  /** Fusion width (`features`). */
  features?: number;
  /** Reassembled widths per layer (`out_channels`). */
  outChannels?: number[];
  /** BatchNorm inside the residual conv units (`use_bn`, false in every released config). */
  useBn?: boolean;
  /** Class-token readout (`use_clstoken`, false in every released config). */
  useClsToken?: boolean;
  /** Patch size of the backbone: the output is resized to patchSize·(h, w). Default 14 (DINOv2). */
  patchSize?: number;
}

/** The released Depth Anything V2 head configurations (DAv2 README; `use_bn=False`, `use_clstoken=False`). */
export const DAV2_DPT_CONFIGS: Record<DAv2Encoder, Required<Pick<DAv2DPTHeadOptions, 'inChannels' | 'features' | 'outChannels'>>> = {
  vits: { inChannels: 384, features: 64, outChannels: [48, 96, 192, 384] },
  vitb: { inChannels: 768, features: 128, outChannels: [96, 192, 384, 768] },
  vitl: { inChannels: 1024, features: 256, outChannels: [256, 512, 1024, 1024] },
  vitg: { inChannels: 1536, features: 384, outChannels: [1536, 1536, 1536, 1536] },
};

/** Backbone layers DAv2 reads for each encoder. */
export const DAV2_LAYER_INDICES: Record<DAv2Encoder, number[]> = {
  vits: [2, 5, 8, 11],
  vitb: [2, 5, 8, 11],
  vitl: [4, 11, 17, 23],
  vitg: [9, 19, 29, 39],
};

class DAv2Scratch extends Module {
  readonly layerRn: Conv2d[];
  readonly refinenets: DAv2FeatureFusionBlock[];
  readonly outputConv1: Conv2d;
  readonly outputConv2: Sequential;

  constructor(outChannels: number[], features: number, useBn: boolean) {
    super();
    this.layerRn = outChannels.map((c, i) => this.addModule(`layer${i + 1}_rn`, new Conv2d(c, features, 3, { padding: 1, bias: false })));
    this.refinenets = [1, 2, 3, 4].map((k) => this.addModule(`refinenet${k}`, new DAv2FeatureFusionBlock(features, useBn, true)));
    const half = Math.floor(features / 2);
    this.outputConv1 = this.addModule('output_conv1', new Conv2d(features, half, 3, { padding: 1 }));
    this.outputConv2 = this.addModule(
      'output_conv2',
      new Sequential(new Conv2d(half, 32, 3, { padding: 1 }), new ReLU(), new Conv2d(32, 1, 1), new ReLU(), new Identity()),
    );
  }
}

/**
 * The Depth Anything V2 `DPTHead` (depth_anything_v2/dpt.py), NHWC, with official names relative to
 * `depth_head.`: `projects.{i}.*`, `resize_layers.{0,1,3}.*`, `readout_projects.{i}.0.*`,
 * `scratch.layer{1..4}_rn.weight`, `scratch.refinenet{1..4}.*`, `scratch.output_conv1.*`,
 * `scratch.output_conv2.{0,2}.*`. Load a DAv2 checkpoint with `loadStateDict(file, { prefix: 'depth_head.', strict: false })`.
 *
 * `forward` returns the non-negative relative depth (disparity) [B, p·h, p·w, 1] for patch size p;
 * DAv2 ends with ReLU, so there is no separate logits stage. Parameters: S 2,728,513 · B 10,890,305 · L 30,947,009.
 */
export class DepthAnythingV2DPTHead extends Module {
  readonly inChannels: number;
  readonly features: number;
  readonly outChannels: number[];
  readonly useBn: boolean;
  readonly useClsToken: boolean;
  readonly patchSize: number;
  readonly projects: ModuleList<Conv2d>;
  readonly resizeLayers: ModuleList<Layer>;
  readonly readoutProjects: ModuleList<Sequential> | null;
  readonly scratch: DAv2Scratch;

  constructor(options: DAv2DPTHeadOptions) {
    super();
    this.inChannels = options.inChannels;
    this.features = options.features ?? 256;
    this.outChannels = options.outChannels ? [...options.outChannels] : [256, 512, 1024, 1024];
    if (this.outChannels.length !== 4) throw new Error(`DepthAnythingV2DPTHead: outChannels needs 4 entries, got [${this.outChannels}]`);
    this.useBn = options.useBn ?? false;
    this.useClsToken = options.useClsToken ?? false;
    this.patchSize = options.patchSize ?? 14;
    const d = this.inChannels;
    const oc = this.outChannels;
    this.projects = this.addModule('projects', new ModuleList(oc.map((c) => new Conv2d(d, c, 1))));
    this.resizeLayers = this.addModule('resize_layers', dptResizeLayers(oc));
    this.readoutProjects = this.useClsToken
      ? this.addModule('readout_projects', new ModuleList(oc.map(() => new Sequential(new Linear(2 * d, d), new GELU()))))
      : null;
    this.scratch = this.addModule('scratch', new DAv2Scratch(oc, this.features, this.useBn));
  }

  /** features: four `{ patches: [B, h, w, D], cls? }` → depth [B, p·h, p·w, 1]. */
  forward(features: readonly HeadFeature[]): tf.Tensor {
    return tf.tidy(() => {
      const stages = this.forwardStages(features);
      stages.path1.dispose();
      stages.outputConv1.dispose();
      return stages.depth;
    });
  }

  /**
   * Runs the head and returns the official intermediates with the output (the caller disposes
   * them): `path1` = `scratch.refinenet1` output [B, 8h, 8w, F], `outputConv1` =
   * `scratch.output_conv1` output [B, 8h, 8w, F/2], `depth` [B, p·h, p·w, 1].
   */
  forwardStages(features: readonly HeadFeature[]): DAv2HeadStages {
    const [, h, w] = checkFeatures(
      'DepthAnythingV2DPTHead',
      features,
      [0, 1, 2, 3].map(() => this.inChannels),
    );
    return tf.tidy(() => {
      const layers = features.map((f, i) => {
        let x = f.patches; // [B, h, w, D]
        if (this.useClsToken) {
          if (!f.cls) throw new Error(`DepthAnythingV2DPTHead: useClsToken needs features[${i}].cls`);
          const [b, , , dd] = x.shape;
          const readout = tf.broadcastTo(tf.reshape(f.cls, [b, 1, 1, dd]), x.shape); // [B, h, w, D]
          x = this.readoutProjects!.at(i).forward(tf.concat([x, readout], 3)); // [B, h, w, D]
        }
        x = this.projects.at(i).forward(x); // [B, h, w, oc_i]
        x = this.resizeLayers.at(i).forward(x); // [B, 4h|2h|h|⌈h/2⌉, …, oc_i]
        return this.scratch.layerRn[i].forward(x); // [B, *, *, F]
      });
      const sizeOf = (t: tf.Tensor): [number, number] => [t.shape[1]!, t.shape[2]!];
      const [r1, r2, r3, r4] = this.scratch.refinenets;
      const path4 = r4.forward(layers[3], undefined, sizeOf(layers[2])); // [B, h, w, F]
      const path3 = r3.forward(path4, layers[2], sizeOf(layers[1])); // [B, 2h, 2w, F]
      const path2 = r2.forward(path3, layers[1], sizeOf(layers[0])); // [B, 4h, 4w, F]
      const path1 = r1.forward(path2, layers[0]); // [B, 8h, 8w, F]
      const outputConv1 = this.scratch.outputConv1.forward(path1); // [B, 8h, 8w, F/2]
      const up = interpolateBilinear(outputConv1, [h * this.patchSize, w * this.patchSize], true); // [B, p·h, p·w, F/2]
      const depth = this.scratch.outputConv2.forward(up); // [B, p·h, p·w, 1]
      return { path1, outputConv1, depth };
    });
  }
}

/** Intermediates of one DAv2 head pass (NHWC). */
export interface DAv2HeadStages {
  /** `scratch.refinenet1` output [B, 8h, 8w, F]. */
  path1: tf.Tensor;
  /** `scratch.output_conv1` output [B, 8h, 8w, F/2]. */
  outputConv1: tf.Tensor;
  /** Non-negative relative depth [B, p·h, p·w, 1]. */
  depth: tf.Tensor;
}

/** A Depth Anything V2 head with the released configuration for `encoder`. */
export function createDepthAnythingV2Head(encoder: DAv2Encoder, options: Partial<DAv2DPTHeadOptions> = {}): DepthAnythingV2DPTHead {
  const config = DAV2_DPT_CONFIGS[encoder];
  if (!config) throw new Error(`createDepthAnythingV2Head: unknown encoder '${encoder}' (expected vits, vitb, vitl or vitg)`);
  return new DepthAnythingV2DPTHead({ ...config, ...options });
}
