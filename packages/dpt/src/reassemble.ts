import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, ConvTranspose2d, GELU, Identity, type Layer, Linear, ModuleList, Module, Sequential } from '@anydepth/core';
import { ConvModule } from './conv-module.js';
import type { HeadFeature } from './features.js';

export type ReadoutType = 'ignore' | 'add' | 'project';

export interface ReassembleOptions {
  /** ViT width of each layer. */
  inChannels: number[];
  /** Channels after the 1×1 projection, per layer (`post_process_channels`). */
  outChannels: number[];
  readoutType?: ReadoutType;
  /** BatchNorm on the ViT maps before the projection (DINOv3 hub depther: true). */
  useBatchnorm?: boolean;
}

/**
 * The four `resize_layers` of a DPT reassembly (DINOv3's ReassembleBlocks and Depth Anything V2's head): ×4 and ×2
 * transposed convolutions, identity, and a stride-2 3×3 convolution, on `channels[i]` channels each.
 */
export function dptResizeLayers(channels: readonly number[]): ModuleList<Layer> {
  return new ModuleList<Layer>([
    new ConvTranspose2d(channels[0], channels[0], 4, { stride: 4 }),
    new ConvTranspose2d(channels[1], channels[1], 2, { stride: 2 }),
    new Identity(),
    new Conv2d(channels[3], channels[3], 3, { stride: 2, padding: 1 }),
  ]);
}

/**
 * DINOv3 `ReassembleBlocks`: per layer, optional cls readout, BatchNorm (or identity), 1×1 projection
 * and resize to 4×, 2×, 1× and ½× of the token grid (ConvT 4×4 s4, ConvT 2×2 s2, identity, conv 3×3 s2).
 * State-dict names `projects.{i}.conv.*`, `resize_layers.{0,1,3}.*`, `readout_projects.{i}.0.*`,
 * `batchnorm_layers.{i}.*`.
 */
export class ReassembleBlocks extends Module {
  readonly readoutType: ReadoutType;
  readonly projects: ModuleList<ConvModule>;
  readonly resizeLayers: ModuleList<Layer>;
  readonly readoutProjects: ModuleList<Sequential> | null;
  readonly batchnormLayers: ModuleList<Layer>;

  constructor(readonly options: ReassembleOptions) {
    super();
    const { inChannels, outChannels } = options;
    if (inChannels.length !== 4 || outChannels.length !== 4) {
      throw new Error(`ReassembleBlocks: the four resize layers need 4 input layers and 4 post-process widths, got [${inChannels}] and [${outChannels}]`);
    }
    this.readoutType = options.readoutType ?? 'ignore';
    this.projects = this.addModule('projects', new ModuleList(outChannels.map((oc, i) => new ConvModule(inChannels[i], oc, 1))));
    this.resizeLayers = this.addModule('resize_layers', dptResizeLayers(outChannels));
    this.readoutProjects =
      this.readoutType === 'project'
        ? this.addModule('readout_projects', new ModuleList(inChannels.map((d) => new Sequential(new Linear(2 * d, d), new GELU()))))
        : null;
    this.batchnormLayers = this.addModule(
      'batchnorm_layers',
      new ModuleList<Layer>(inChannels.map((d) => (options.useBatchnorm ? new BatchNorm2d(d) : new Identity()))),
    );
  }

  /** Returns the four reassembled maps [B, 4h, 4w, oc0], [B, 2h, 2w, oc1], [B, h, w, oc2], [B, ⌈h/2⌉, ⌈w/2⌉, oc3]. */
  forward(features: readonly HeadFeature[]): tf.Tensor[] {
    return features.map((f, i) =>
      tf.tidy(() => {
        let x = f.patches; // [B, h, w, D]
        if (this.readoutType !== 'ignore') {
          if (!f.cls) throw new Error(`ReassembleBlocks: readout '${this.readoutType}' needs features[${i}].cls`);
          const [b, h, w, d] = x.shape;
          const cls = tf.reshape(f.cls, [b, 1, 1, d]); // [B, 1, 1, D]
          if (this.readoutType === 'project') {
            const readout = tf.broadcastTo(cls, [b, h, w, d]); // [B, h, w, D]
            x = this.readoutProjects!.at(i).forward(tf.concat([x, readout], 3)); // patch first: [B, h, w, 2D] -> [B, h, w, D]
          } else {
            x = tf.add(x, cls); // [B, h, w, D]
          }
        }
        x = this.batchnormLayers.at(i).forward(x);
        x = this.projects.at(i).forward(x); // [B, h, w, oc_i]
        return this.resizeLayers.at(i).forward(x);
      }),
    );
  }
}
