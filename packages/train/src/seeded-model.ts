import { Rng, manualSeed } from '@anydepth/core';
import type { AnyDepth } from '@anydepth/model';
import { type AnyDepthConfig, type AnyDepthPresetName, createAnyDepth } from '@anydepth/model';

/**
 * Builds an AnyDepth model whose every random initialisation follows `seed`: the encoder from its own
 * `Rng(seed)`, the decoder (whose layers draw from the default generator) after `manualSeed(seed)`.
 * Two calls with the same seed give identical weights, as training runs and resumes require.
 */
export function createSeededAnyDepth(config: AnyDepthPresetName | AnyDepthConfig, seed: number): AnyDepth {
  manualSeed(seed ^ 0x5eed);
  return createAnyDepth(config, { rng: new Rng(seed) });
}
