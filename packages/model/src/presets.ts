import type { Rng } from '@anydepth/core';
import { type ConfigLimits, DEFAULT_MAX_MODEL_BYTES, type DinoV3Config, DinoVisionTransformer, dinov3ParameterCount, validateConfig } from '@anydepth/dinov3';
import { SDTHead } from '@anydepth/sdt';
import { AnyDepth } from './anydepth.js';
import { getPreset } from './registry.js';

/** The built-in AnyDepth presets (`listPresets('anydepth')`); any registered `anydepth` preset name works too. */
export type AnyDepthPresetName = 'anydepth-tiny' | 'anydepth-vits16' | 'anydepth-vitb16' | 'anydepth-vitl16';

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

/**
 * The configuration of a registered AnyDepth preset (`getPreset(name, 'anydepth').config()`): the paper's
 * S/B/L (layers [2,5,8,11] for S/B, [4,11,17,23] for L, C = 256) and `anydepth-tiny`.
 */
export function anyDepthPreset(name: AnyDepthPresetName | (string & {})): AnyDepthConfig {
  return getPreset(name, 'anydepth').config();
}

/** The tiny configuration of the golden fixtures (D 128, 4 blocks, 2 heads, C 32): the `anydepth-tiny` preset. */
export function anyDepthTinyConfig(): AnyDepthConfig {
  return anyDepthPreset('anydepth-tiny');
}

/** Upper bounds of the decoder's size fields (the paper uses C = 256 and 4 tapped layers). */
export const ANYDEPTH_FIELD_LIMITS = { fusionChannels: 4096, layers: 16 } as const;

/**
 * A rough upper estimate of the SDT decoder's parameters: one projection per tapped layer (D·C) and the
 * fusion/upsampling convolutions, bounded by 64·C².
 */
export function sdtParameterEstimate(c: AnyDepthConfig): number {
  return c.layers.length * (c.encoder.embedDim + 1) * c.fusionChannels + 64 * c.fusionChannels * c.fusionChannels;
}

/**
 * Checks an AnyDepth config before anything is allocated: the encoder with DINOv3's limits, the decoder's
 * fields, and encoder + decoder float32 parameters against `maxModelBytes` (default 8 GiB). Configs read from
 * checkpoint metadata or inferred from tensor shapes are untrusted and pass here.
 */
export function validateAnyDepthConfig(c: AnyDepthConfig, limits: ConfigLimits = {}): AnyDepthConfig {
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error(`AnyDepth config: expected an object, got ${JSON.stringify(c)}`);
  if (!c.encoder || typeof c.encoder !== 'object') throw new Error('AnyDepth config: the encoder config is missing');
  validateConfig(c.encoder, limits);
  const C = c.fusionChannels;
  if (!Number.isInteger(C) || C < 1) throw new Error(`AnyDepth config: fusionChannels must be a positive integer, got ${C}`);
  if (C > ANYDEPTH_FIELD_LIMITS.fusionChannels)
    throw new Error(`AnyDepth config: fusionChannels ${C} is over the limit of ${ANYDEPTH_FIELD_LIMITS.fusionChannels}`);
  if (!Array.isArray(c.layers) || c.layers.length < 1 || c.layers.length > ANYDEPTH_FIELD_LIMITS.layers) {
    throw new Error(`AnyDepth config: layers must list 1 to ${ANYDEPTH_FIELD_LIMITS.layers} encoder blocks, got ${JSON.stringify(c.layers)}`);
  }
  for (const i of c.layers) {
    if (!Number.isInteger(i) || i < 0 || i >= c.encoder.depth) throw new Error(`AnyDepth config: layer ${i} is outside 0..${c.encoder.depth - 1}`);
  }
  if (typeof c.norm !== 'boolean') throw new Error(`AnyDepth config: norm must be true or false, got ${JSON.stringify(c.norm)}`);
  if (!(Number.isFinite(c.minDepth) && c.minDepth >= 0)) throw new Error(`AnyDepth config: minDepth must be a finite number >= 0, got ${c.minDepth}`);
  const budget = limits.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES;
  const params = dinov3ParameterCount(c.encoder) + sdtParameterEstimate(c);
  if (params * 4 > budget) {
    throw new Error(
      `AnyDepth config: the model needs about ${((params * 4) / 2 ** 30).toFixed(1)} GiB of float32 parameters, ` +
        `over the budget of ${Number((budget / 2 ** 30).toPrecision(2))} GiB (raise it with { maxModelBytes })`,
    );
  }
  return c;
}

/** Builds an AnyDepth model (random weights) from a preset name or a config (checked by `validateAnyDepthConfig` first). */
export function createAnyDepth(config: AnyDepthPresetName | (string & {}) | AnyDepthConfig, options: { rng?: Rng } & ConfigLimits = {}): AnyDepth {
  const c = typeof config === 'string' ? anyDepthPreset(config) : validateAnyDepthConfig(config, options);
  const encoder = new DinoVisionTransformer(c.encoder, { rng: options.rng, frozen: true });
  const decoder = new SDTHead({
    inChannels: c.layers.map(() => c.encoder.embedDim),
    fusionChannels: c.fusionChannels,
    outChannels: 1,
  });
  return new AnyDepth({ encoder, decoder, layers: c.layers, norm: c.norm, minDepth: c.minDepth, patchSize: c.encoder.patchSize, config: c });
}
