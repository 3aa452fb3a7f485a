import type { ConfigLimits, VitConfigBase, VitConfigInput, VitFamilyDefaults, VitFfn } from '@anydepth/core/internal';
import { checkParameterBudget, checkVitConfig, fourEvenIntervals, swigluHiddenDim, VIT_FIELD_LIMITS, vitConfigFields } from '@anydepth/core/internal';

/**
 * DINOv2 ViT hyper-parameters and the registry of released backbones (official
 * `dinov2/hub/backbones.py` and Depth Anything V2's `DINOv2(model_name)`): img_size 518 (a 37×37
 * learned position grid), patch 14, LayerScale init 1.0, MLP ratio 4 with exact GELU, LayerNorm
 * eps 1e-6, qkv bias. The "-reg" models add 4 register tokens and resize the position grid with
 * `size=` and antialias instead of the 0.1 offset.
 */

/** Feed-forward type: `fc1 → GELU → fc2` (S/B/L) or the fused SwiGLU of ViT-g (`w12`, `w3`). */
export type Dinov2Ffn = VitFfn;

/** DINOv2's hyper-parameters: core's shared ViT fields plus its learned, resized position grid. */
export interface Dinov2Config extends VitConfigBase {
  /** Side M of the learned position grid (`pos_embed` has 1 + M² entries): img_size / patch = 518 / 14 = 37. */
  posEmbedGrid: number;
  /**
   * `interpolate_offset`: when > 0 the grid is resized with `scale_factor = (h + offset) / M` (the
   * sampling then uses that factor, not h / M); when 0 with `size = (h, w)`.
   */
  interpolateOffset: number;
  /** `interpolate_antialias`: PyTorch's antialiased bicubic (a = -0.5, widened support when shrinking). */
  interpolateAntialias: boolean;
}

/** Plain numbers for `dinov2Config`; core's shared ViT fields plus the position grid's. */
export interface Dinov2ConfigInput extends VitConfigInput {
  posEmbedGrid?: number;
  interpolateOffset?: number;
  interpolateAntialias?: boolean;
}

/** The four layers Depth Anything V2 (and DINOv2's depth evaluation) tap (core's `fourEvenIntervals`). */
export const dinov2DefaultLayers: (depth: number) => number[] = fourEvenIntervals;

/** SwiGLUFFNFused hidden width: int(4·D·2/3) rounded up to a multiple of 8 (4096 for ViT-g). */
export function swigluFusedHiddenDim(embedDim: number, mlpRatio = 4): number {
  return swigluHiddenDim(embedDim, mlpRatio);
}

/** DINOv2's defaults (`DinoVisionTransformer`): patch 14, no registers, eps 1e-6, LayerScale 1.0, SwiGLU ratio 4. */
const DINOV2_DEFAULTS: VitFamilyDefaults = { patchSize: 14, numRegisterTokens: 0, layerNormEps: 1e-6, layerScaleInit: 1.0, swigluRatio: 4 };

/** Builds a full, validated config from plain numbers (e.g. `{ embedDim: 64, depth: 4, numHeads: 2 }`). */
export function dinov2Config(input: Dinov2ConfigInput, limits: Dinov2ConfigLimits = {}): Dinov2Config {
  const config: Dinov2Config = {
    ...vitConfigFields(input, DINOV2_DEFAULTS),
    posEmbedGrid: input.posEmbedGrid ?? 37,
    interpolateOffset: input.interpolateOffset ?? 0.1,
    interpolateAntialias: input.interpolateAntialias ?? false,
  };
  validateDinov2Config(config, limits);
  return config;
}

/** Upper bounds of each size field (core's `VIT_FIELD_LIMITS` plus the position grid): an untrusted config is refused before allocation. */
export const DINOV2_FIELD_LIMITS = { ...VIT_FIELD_LIMITS, posEmbedGrid: 1024 } as const;

export { DEFAULT_MAX_MODEL_BYTES } from '@anydepth/core/internal';

/** The parameter budget of a config (core's `ConfigLimits`). */
export type Dinov2ConfigLimits = ConfigLimits;

/**
 * Exact parameter count of the official `DinoVisionTransformer` for this config (cls, pos_embed,
 * registers, mask_token, patch embedding, blocks, final norm), without building it.
 */
export function dinov2ParameterCount(c: Dinov2Config): number {
  const d = c.embedDim;
  const h = c.ffnHiddenDim;
  const ffn = c.ffn === 'swiglu' ? d * 2 * h + 2 * h + h * d + d : d * h + h + h * d + d;
  const block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + d + 2 * d + ffn + d;
  const embed = d + (c.posEmbedGrid ** 2 + 1) * d + c.numRegisterTokens * d + d + (d * c.inChannels * c.patchSize ** 2 + d);
  return embed + c.depth * block + 2 * d;
}

/**
 * Throws a message naming the first bad field: inconsistent hyper-parameters, a size over
 * `DINOV2_FIELD_LIMITS`, or float32 parameters over `maxModelBytes` (default 8 GiB). Configs built
 * from checkpoints (`inferDinov2Config`) pass here before any tensor is allocated.
 */
export function validateDinov2Config(c: Dinov2Config, limits: Dinov2ConfigLimits = {}): void {
  const family = 'DINOv2 config';
  checkVitConfig(family, c, DINOV2_FIELD_LIMITS);
  if (c.embedDim % c.numHeads !== 0) throw new Error(`DINOv2 config: embedDim (${c.embedDim}) is not divisible by numHeads (${c.numHeads})`);
  if (!(c.interpolateOffset >= 0)) throw new Error(`DINOv2 config: interpolateOffset must be >= 0, got ${c.interpolateOffset}`);
  checkParameterBudget(family, dinov2ParameterCount(c), limits);
}

export type Dinov2PresetName = 'vits14' | 'vitb14' | 'vitl14' | 'vitg14' | 'vits14_reg' | 'vitb14_reg' | 'vitl14_reg' | 'vitg14_reg';

const plain = (embedDim: number, depth: number, numHeads: number, ffn: Dinov2Ffn = 'mlp') => ({ embedDim, depth, numHeads, ffn });
const reg = { numRegisterTokens: 4, interpolateOffset: 0, interpolateAntialias: true };

/** Every released DINOv2 backbone, by its torch-hub name without the `dinov2_` prefix. */
export const DINOV2_PRESETS: Readonly<Record<Dinov2PresetName, Dinov2Config>> = {
  vits14: dinov2Config(plain(384, 12, 6)),
  vitb14: dinov2Config(plain(768, 12, 12)),
  vitl14: dinov2Config(plain(1024, 24, 16)),
  vitg14: dinov2Config(plain(1536, 40, 24, 'swiglu')),
  vits14_reg: dinov2Config({ ...plain(384, 12, 6), ...reg }),
  vitb14_reg: dinov2Config({ ...plain(768, 12, 12), ...reg }),
  vitl14_reg: dinov2Config({ ...plain(1024, 24, 16), ...reg }),
  vitg14_reg: dinov2Config({ ...plain(1536, 40, 24, 'swiglu'), ...reg }),
};

/** A copy of a preset (callers may change it). */
export function dinov2Preset(name: Dinov2PresetName): Dinov2Config {
  const c = DINOV2_PRESETS[name];
  if (!c) throw new Error(`unknown DINOv2 preset '${name}' (choose ${Object.keys(DINOV2_PRESETS).join(', ')})`);
  return { ...c, intermediateLayers: [...c.intermediateLayers] };
}

export function dinov2HeadDim(c: Dinov2Config): number {
  return c.embedDim / c.numHeads;
}
