import { checkBlockIndices, checkSizeFields } from './config-limits.js';
import type { Rng } from './rng.js';

/**
 * The layer indices DINOv2/DINOv3 depth evaluation (and AnyDepth / Depth Anything V2) tap: every quarter of the
 * blocks, except 24-block ViT-L, whose indices are [4, 11, 17, 23] (DINOv3's `FOUR_EVEN_INTERVALS`; Depth
 * Anything V2's `intermediate_layer_idx`). Fewer than 4 blocks: every block.
 */
export function fourEvenIntervals(depth: number): number[] {
  if (depth === 24) return [4, 11, 17, 23];
  if (depth < 4) return Array.from({ length: depth }, (_, i) => i);
  const step = Math.floor(depth / 4);
  return [1, 2, 3, 4].map((i) => i * step - 1);
}

/**
 * SwiGLU hidden width as DINOv2 (`SwiGLUFFNFused`, ratio 4) and DINOv3 (ratio 6) compute it: int(D·ratio·2/3)
 * rounded up to a multiple of `alignTo` (ViT-g/14: 4096; ViT-S+/16: 1536).
 */
export function swigluHiddenDim(embedDim: number, ffnRatio: number, alignTo = 8): number {
  const d = Math.trunc(embedDim * ffnRatio * (2 / 3));
  return d + ((alignTo - (d % alignTo)) % alignTo);
}

/**
 * Upper bounds of a ViT config's size fields, far above every released model (DINOv3 ViT-7B: D 4096, 40 blocks,
 * 32 heads, hidden 8192), so that an untrusted `config.json` or checkpoint header is refused before allocation.
 */
export const VIT_FIELD_LIMITS = {
  patchSize: 256,
  inChannels: 64,
  embedDim: 16_384,
  depth: 512,
  numHeads: 512,
  ffnHiddenDim: 131_072,
  numRegisterTokens: 1024,
} as const;

/** Feed-forward type of a DINO-family block: `fc1 → GELU → fc2` (S/B/L) or SwiGLU (ViT-g, the DINOv3 plus models). */
export type VitFfn = 'mlp' | 'swiglu';

/** The hyper-parameters every DINO-family ViT shares; DINOv2 and DINOv3 add their position encodings. */
export interface VitConfigBase {
  /** Patch side in pixels (14 for DINOv2, 16 for DINOv3). */
  patchSize: number;
  /** Input channels (3, RGB). */
  inChannels: number;
  /** Token width D. */
  embedDim: number;
  /** Number of transformer blocks. */
  depth: number;
  /** Attention heads; every released model uses head dim 64. */
  numHeads: number;
  ffn: VitFfn;
  /** Hidden width of the feed-forward block (HF `intermediate_size`): 4·D for MLP, the aligned SwiGLU width otherwise. */
  ffnHiddenDim: number;
  /** Register ("storage") tokens between the cls token and the patches. */
  numRegisterTokens: number;
  layerNormEps: number;
  /** Blocks (0-based, output taken after the block) that `getIntermediateLayers` returns by default. */
  intermediateLayers: number[];
  /** Initial LayerScale value (the trained values are loaded; used only for random init). */
  layerScaleInit: number;
}

/**
 * The checks every DINO-family config passes before allocation: size fields within `fieldLimits` (registers may
 * be 0), a known feed-forward type, eps > 0 and tapped blocks in range. Messages start with `family`. The family
 * validator adds its own checks, then `checkParameterBudget`.
 */
export function checkVitConfig(family: string, c: VitConfigBase, fieldLimits: Readonly<Record<string, number>>): void {
  checkSizeFields(family, c, fieldLimits, ['numRegisterTokens']);
  if (c.ffn !== 'mlp' && c.ffn !== 'swiglu') throw new Error(`${family}: ffn must be 'mlp' or 'swiglu', got '${c.ffn}'`);
  if (!(c.layerNormEps > 0)) throw new Error(`${family}: layerNormEps must be > 0, got ${c.layerNormEps}`);
  checkBlockIndices(family, c.intermediateLayers, c.depth);
}

/** A ViT config's shared fields as plain numbers; what is left out takes the family's defaults. */
export interface VitConfigInput {
  embedDim: number;
  depth: number;
  numHeads: number;
  ffn?: VitFfn;
  /** Feed-forward ratio used when `ffnHiddenDim` is not given (4 for MLP; the family's SwiGLU ratio otherwise). */
  ffnRatio?: number;
  ffnHiddenDim?: number;
  patchSize?: number;
  inChannels?: number;
  numRegisterTokens?: number;
  layerNormEps?: number;
  layerScaleInit?: number;
  intermediateLayers?: readonly number[];
}

/** What a family fills in where a `VitConfigInput` is silent. */
export interface VitFamilyDefaults {
  patchSize: number;
  numRegisterTokens: number;
  layerNormEps: number;
  layerScaleInit: number;
  /** SwiGLU ratio (DINOv2's fused SwiGLU: 4; DINOv3's plus models: 6). */
  swigluRatio: number;
}

/**
 * The shared fields of a config from its input and the family's defaults: MLP width round(D·ratio), SwiGLU
 * width `swigluHiddenDim(D, ratio)`, taps `fourEvenIntervals(depth)`. Not validated here (the family is).
 */
export function vitConfigFields(input: VitConfigInput, defaults: VitFamilyDefaults): VitConfigBase {
  const ffn = input.ffn ?? 'mlp';
  const ratio = input.ffnRatio ?? (ffn === 'mlp' ? 4 : defaults.swigluRatio);
  return {
    patchSize: input.patchSize ?? defaults.patchSize,
    inChannels: input.inChannels ?? 3,
    embedDim: input.embedDim,
    depth: input.depth,
    numHeads: input.numHeads,
    ffn,
    ffnHiddenDim: input.ffnHiddenDim ?? (ffn === 'mlp' ? Math.round(input.embedDim * ratio) : swigluHiddenDim(input.embedDim, ratio)),
    numRegisterTokens: input.numRegisterTokens ?? defaults.numRegisterTokens,
    layerNormEps: input.layerNormEps ?? defaults.layerNormEps,
    intermediateLayers: input.intermediateLayers ? [...input.intermediateLayers] : fourEvenIntervals(input.depth),
    layerScaleInit: input.layerScaleInit ?? defaults.layerScaleInit,
  };
}

/** Random-initialisation options every ViT encoder takes. */
export interface VitInitOptions {
  /** Generator for the random initial weights (the default generator otherwise). */
  rng?: Rng;
  /** Freeze the encoder (default true): no trainable parameters and no gradient through it. */
  frozen?: boolean;
}
