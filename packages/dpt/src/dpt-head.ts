import * as tf from '@tensorflow/tfjs-core';
import { Module, ModuleList } from '@anydepth/core';
import { ConvModule } from './conv-module.js';
import { type HeadFeature, checkFeatures } from './features.js';
import { FeatureFusionBlock } from './fusion-block.js';
import { type ReadoutType, ReassembleBlocks } from './reassemble.js';
import { UpConvHead } from './up-conv-head.js';

export interface DPTHeadOptions {
  /** ViT width, or one width per layer (4 layers). */
  inChannels: number | number[];
  /** Fusion width (`channels`). Default 512, the DINOv3 hub depther (AnyDepth's baseline). */
  channels?: number;
  /** Reassembled widths per layer (`post_process_channels`). Default `[D]*4`, the DINOv3 hub depther. */
  postProcessChannels?: number[];
  /** Class-token readout. Default `'ignore'` (the paper's baseline); `'project'` is the AnyDepth README variant. */
  readout?: ReadoutType;
  /** BatchNorm on the ViT maps. Default true (DINOv3 hub depther). */
  useBatchnorm?: boolean;
  /** Output channels (`n_output_channels`). Default 1. */
  outChannels?: number;
}

/**
 * The DINOv3 depth `DPTHead` (AnyDepth's `model/dpt_head.py`), NHWC, with official state-dict names:
 * `reassemble_blocks.*`, `convs.{i}.conv.weight`, `fusion_blocks.{i}.*`, `project.conv.*`,
 * `conv_depth.head.{0,2,4}.*`. Defaults give the paper's DPT baseline
 * (channels 512, post-process [D]*4, readout ignore, BN): 49,643,969 / 71,325,761 / 91,187,009
 * parameters for D = 384 / 768 / 1024.
 *
 * `forward` returns logits [B, 16h, 16w, outChannels] for a 16-px-patch grid h×w (h, w even);
 * `depthFromLogits` gives AnyDepth's `relu(x) + 0.001`.
 */
export class DPTHead extends Module {
  readonly inChannels: number[];
  readonly channels: number;
  readonly postProcessChannels: number[];
  readonly readout: ReadoutType;
  readonly useBatchnorm: boolean;
  readonly outChannels: number;
  readonly reassembleBlocks: ReassembleBlocks;
  readonly convs: ModuleList<ConvModule>;
  readonly fusionBlocks: ModuleList<FeatureFusionBlock>;
  readonly project: ConvModule;
  readonly convDepth: UpConvHead;

  constructor(options: DPTHeadOptions) {
    super();
    this.inChannels = Array.isArray(options.inChannels) ? [...options.inChannels] : [0, 1, 2, 3].map(() => options.inChannels as number);
    if (this.inChannels.length !== 4) throw new Error(`DPTHead: needs exactly 4 input layers, got inChannels [${this.inChannels}]`);
    this.channels = options.channels ?? 512;
    this.postProcessChannels = options.postProcessChannels ? [...options.postProcessChannels] : [...this.inChannels];
    this.readout = options.readout ?? 'ignore';
    this.useBatchnorm = options.useBatchnorm ?? true;
    this.outChannels = options.outChannels ?? 1;
    this.reassembleBlocks = this.addModule(
      'reassemble_blocks',
      new ReassembleBlocks({
        inChannels: this.inChannels,
        outChannels: this.postProcessChannels,
        readoutType: this.readout,
        useBatchnorm: this.useBatchnorm,
      }),
    );
    this.convs = this.addModule('convs', new ModuleList(this.postProcessChannels.map((c) => new ConvModule(c, this.channels, 3, { padding: 1, bias: false }))));
    this.fusionBlocks = this.addModule('fusion_blocks', new ModuleList([0, 1, 2, 3].map((i) => new FeatureFusionBlock(this.channels, { withSkip: i > 0 }))));
    this.project = this.addModule('project', new ConvModule(this.channels, this.channels, 3, { padding: 1, activation: 'after' }));
    this.convDepth = this.addModule('conv_depth', new UpConvHead(this.channels, this.outChannels));
  }

  /** Reassemble, fuse and project: [B, 8h, 8w, channels] (before `conv_depth`). */
  forwardFeatures(features: readonly HeadFeature[]): tf.Tensor {
    checkFeatures('DPTHead', features, this.inChannels);
    return tf.tidy(() => {
      const maps = this.reassembleBlocks.forward(features).map((m, i) => this.convs.at(i).forward(m)); // [B, *, *, channels]
      let out = this.fusionBlocks.at(0).forward(maps[3]);
      for (let i = 1; i < 4; i++) out = this.fusionBlocks.at(i).forward(out, maps[3 - i]);
      return this.project.forward(out); // [B, 8h, 8w, channels]
    });
  }

  /** Logits [B, 16h, 16w, outChannels]. */
  forward(features: readonly HeadFeature[]): tf.Tensor {
    return tf.tidy(() => this.convDepth.forward(this.forwardFeatures(features)));
  }
}
