import type { Rng } from '@anydepth/core';
import { type DinoV3Config, DinoVisionTransformer, dinov3Config, dinov3Preset } from '@anydepth/dinov3';
import { SDTHead } from '@anydepth/sdt';
import { AnyDepth } from './anydepth.js';

export type AnyDepthPresetName = 'anydepth-vits16' | 'anydepth-vitb16' | 'anydepth-vitl16';

/** Everything needed to rebuild an AnyDepth model; stored in checkpoint metadata. */
export interface AnyDepthConfig {
  encoder: DinoV3Config;
  /** SDT fusion width C (256 in the paper). */
  fusionChannels: number;
  /** Encoder blocks tapped by the decoder. */
  layers: number[];
  /** Final-norm the tapped outputs (spec decision 1). */
  norm: boolean;
  minDepth: number;
}

const ENCODER_OF: Record<AnyDepthPresetName, 'vits16' | 'vitb16' | 'vitl16'> = {
  'anydepth-vits16': 'vits16',
  'anydepth-vitb16': 'vitb16',
  'anydepth-vitl16': 'vitl16',
};

export const ANYDEPTH_PRESETS = Object.keys(ENCODER_OF) as AnyDepthPresetName[];

/** The paper's configurations: layers [2,5,8,11] for S/B, [4,11,17,23] for L, C = 256. */
export function anyDepthPreset(name: AnyDepthPresetName): AnyDepthConfig {
  const encoderName = ENCODER_OF[name];
  if (!encoderName) throw new Error(`unknown AnyDepth preset '${name}' (choose ${ANYDEPTH_PRESETS.join(', ')})`);
  const encoder = dinov3Preset(encoderName);
  return { encoder, fusionChannels: 256, layers: [...encoder.intermediateLayers], norm: true, minDepth: 0.001 };
}

/** The tiny configuration of the golden fixtures (D 128, 4 blocks, 2 heads, C 32): fast enough for tests and demos. */
export function anyDepthTinyConfig(): AnyDepthConfig {
  return {
    encoder: dinov3Config({ embedDim: 128, depth: 4, numHeads: 2, intermediateLayers: [0, 1, 2, 3] }),
    fusionChannels: 32,
    layers: [0, 1, 2, 3],
    norm: true,
    minDepth: 0.001,
  };
}

/** Builds an AnyDepth model (random weights) from a preset name or a config. */
export function createAnyDepth(config: AnyDepthPresetName | AnyDepthConfig, options: { rng?: Rng } = {}): AnyDepth {
  const c = typeof config === 'string' ? anyDepthPreset(config) : config;
  const encoder = new DinoVisionTransformer(c.encoder, { rng: options.rng, frozen: true });
  const decoder = new SDTHead({
    inChannels: c.layers.map(() => c.encoder.embedDim),
    fusionChannels: c.fusionChannels,
    outChannels: 1,
  });
  return new AnyDepth({ encoder, decoder, layers: c.layers, norm: c.norm, minDepth: c.minDepth, patchSize: c.encoder.patchSize, config: c });
}
