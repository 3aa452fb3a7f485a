import * as tf from '@tensorflow/tfjs-core';
import { Module, ModuleList, type Sequential } from '@anydepth/core';
import type { HeadFeature } from './features.js';
import { fusionProjection, readoutAndProject, readoutProject } from './readout-projection.js';

export interface WeightedFusionOptions {
  /** ViT width of each layer. */
  inChannels: number[];
  /** Fusion width C. */
  outChannels: number;
  /** Build the class-token readouts (official: always). */
  readout?: boolean;
}

/**
 * `WeightedFusion` (paper Eq. 1): every layer's tokens go through the cls readout and a Linear+GELU
 * projection to C channels, then `T = Σ_i softmax(w)_i · p_i`. State-dict names `layer_weights`
 * (init ones), `projections.{i}.0.weight`, `readout_projects.{i}.0.{weight,bias}`.
 */
export class WeightedFusion extends Module {
  readonly layerWeights: tf.Variable; // [L]
  readonly projections: ModuleList<Sequential>;
  readonly readoutProjects: ModuleList<Sequential> | null;

  constructor(readonly options: WeightedFusionOptions) {
    super();
    const { inChannels, outChannels } = options;
    this.layerWeights = this.addParameter('layer_weights', tf.ones([inChannels.length]));
    this.projections = this.addModule('projections', new ModuleList(inChannels.map((d) => fusionProjection(d, outChannels))));
    this.readoutProjects = (options.readout ?? true) ? this.addModule('readout_projects', new ModuleList(inChannels.map((d) => readoutProject(d)))) : null;
  }

  /** The softmax-normalised layer weights α [L]. */
  alphas(): tf.Tensor {
    return tf.softmax(this.layerWeights);
  }

  /** features: L × `{ patches: [B, h, w, D_i], cls? }` → fused tokens [B, h, w, C] (NHWC = row-major token order). */
  forward(features: readonly HeadFeature[]): tf.Tensor {
    return tf.tidy(() => {
      const alpha = this.alphas(); // [L]
      let fused: tf.Tensor | null = null;
      features.forEach((f, i) => {
        const p = readoutAndProject(f.patches, f.cls, this.readoutProjects?.at(i) ?? null, this.projections.at(i)); // [B, h, w, C]
        const weighted = tf.mul(p, tf.slice(alpha, [i], [1])); // [B, h, w, C]
        fused = fused ? tf.add(fused, weighted) : weighted;
      });
      return fused!;
    });
  }
}
