/**
 * DINOv3 ViT hyper-parameters (spec architecture.md §2.1; DINOV3:dinov3/hub/backbones.py) and the
 * presets of the released LVD-1689M backbones.
 */
import type { ConfigLimits, VitConfigBase, VitConfigInput, VitFamilyDefaults, VitFfn } from '@anydepth/core/internal';
import { checkParameterBudget, checkVitConfig, VIT_FIELD_LIMITS, vitConfigFields } from '@anydepth/core/internal';

/** Feed-forward type: plain `fc1 → GELU → fc2` (S/B/L) or SwiGLU (the "plus" models). */
export type FfnType = VitFfn;

/** DINOv3's hyper-parameters: core's shared ViT fields plus the RoPE base (no learned position grid). */
export interface DinoV3Config extends VitConfigBase {
  /** RoPE base: periods = base^(4k/headDim). */
  ropeBase: number;
}

export type DinoV3PresetName = 'vits16' | 'vitb16' | 'vitl16' | 'vits16plus' | 'vith16plus';

/** The layer indices DINOv3's depth evaluation taps (`FOUR_EVEN_INTERVALS`; core's `fourEvenIntervals`). */
export { fourEvenIntervals, swigluHiddenDim } from '@anydepth/core/internal';

/** Plain numbers for `dinov3Config`; core's shared ViT fields plus the RoPE base. */
export interface DinoV3ConfigInput extends VitConfigInput {
  ropeBase?: number;
}

export { type ConfigLimits, DEFAULT_MAX_MODEL_BYTES } from '@anydepth/core/internal';

/** Upper bounds of each size field (core's `VIT_FIELD_LIMITS`): an untrusted config is refused before allocation. */
export const DINOV3_FIELD_LIMITS = VIT_FIELD_LIMITS;

/** The number of parameters of an encoder with this config (HF layout: no K bias, LayerScale, masked token). */
export function dinov3ParameterCount(c: DinoV3Config): number {
  const D = c.embedDim;
  const H = c.ffnHiddenDim;
  const patchEmbed = c.inChannels * c.patchSize * c.patchSize * D + D;
  const tokens = (2 + c.numRegisterTokens) * D; // cls, mask, registers
  const attention = 4 * D * D + 3 * D; // q, k, v, o (+ q, v, o biases)
  const ffn = c.ffn === 'swiglu' ? 3 * D * H + 2 * H + D : 2 * D * H + H + D;
  const block = attention + ffn + 6 * D; // two LayerNorms (2D each) and two LayerScales
  return patchEmbed + tokens + c.depth * block + 2 * D + D / c.numHeads / 4;
}

/** DINOv3's defaults (HF `DINOv3ViTConfig`): patch 16, 4 registers, eps 1e-5, LayerScale 1e-5, SwiGLU ratio 6. */
const DINOV3_DEFAULTS: VitFamilyDefaults = { patchSize: 16, numRegisterTokens: 4, layerNormEps: 1e-5, layerScaleInit: 1e-5, swigluRatio: 6 };

/** Builds a full, validated config from plain numbers (e.g. `{ embedDim: 128, depth: 4, numHeads: 2 }`). */
export function dinov3Config(input: DinoV3ConfigInput, limits: ConfigLimits = {}): DinoV3Config {
  const config: DinoV3Config = { ...vitConfigFields(input, DINOV3_DEFAULTS), ropeBase: input.ropeBase ?? 100 };
  validateConfig(config, limits);
  return config;
}

/**
 * Throws a clear error for inconsistent hyper-parameters, a size field over `DINOV3_FIELD_LIMITS`, or a model
 * whose float32 parameters would exceed `maxModelBytes` (default 8 GiB). Every config built from untrusted
 * input (`configFromHf`, `inferConfig`, checkpoint metadata) passes here before any tensor is allocated.
 */
export function validateConfig(c: DinoV3Config, limits: ConfigLimits = {}): void {
  const family = 'DINOv3 config';
  checkVitConfig(family, c, DINOV3_FIELD_LIMITS);
  // RoPE splits each head into 4 equal parts (y/x × the two rotate-half halves).
  if (c.embedDim % (4 * c.numHeads) !== 0) {
    throw new Error(`DINOv3 config: embedDim (${c.embedDim}) must be divisible by 4·numHeads (${4 * c.numHeads}) for RoPE`);
  }
  if (!(c.ropeBase > 0)) throw new Error(`DINOv3 config: ropeBase must be > 0, got ${c.ropeBase}`);
  checkParameterBudget(family, dinov3ParameterCount(c), limits);
}

/** Head dimension D / heads. */
export function headDim(c: DinoV3Config): number {
  return c.embedDim / c.numHeads;
}

/**
 * Released DINOv3 ViT backbones (LVD-1689M). S/B/L use the plain GELU MLP; the plus models use
 * SwiGLU with ffn_ratio 6 (hidden 1536 for S+, 5120 for H+).
 */
export const DINOV3_PRESETS: Readonly<Record<DinoV3PresetName, DinoV3Config>> = {
  vits16: dinov3Config({ embedDim: 384, depth: 12, numHeads: 6 }),
  vitb16: dinov3Config({ embedDim: 768, depth: 12, numHeads: 12 }),
  vitl16: dinov3Config({ embedDim: 1024, depth: 24, numHeads: 16 }),
  vits16plus: dinov3Config({ embedDim: 384, depth: 12, numHeads: 6, ffn: 'swiglu', ffnRatio: 6 }),
  vith16plus: dinov3Config({ embedDim: 1280, depth: 32, numHeads: 20, ffn: 'swiglu', ffnRatio: 6 }),
};

/** Hugging Face repo ids of the released backbones. */
export const DINOV3_HF_REPOS: Readonly<Record<DinoV3PresetName, string>> = {
  vits16: 'facebook/dinov3-vits16-pretrain-lvd1689m',
  vitb16: 'facebook/dinov3-vitb16-pretrain-lvd1689m',
  vitl16: 'facebook/dinov3-vitl16-pretrain-lvd1689m',
  vits16plus: 'facebook/dinov3-vits16plus-pretrain-lvd1689m',
  vith16plus: 'facebook/dinov3-vith16plus-pretrain-lvd1689m',
};

/** A preset by name (a fresh copy), or throws listing the known names. */
export function dinov3Preset(name: DinoV3PresetName): DinoV3Config {
  const p = DINOV3_PRESETS[name];
  if (!p) throw new Error(`unknown DINOv3 preset '${name}'; known: ${Object.keys(DINOV3_PRESETS).join(', ')}`);
  return { ...p, intermediateLayers: [...p.intermediateLayers] };
}

/**
 * Maps a Hugging Face `config.json` (DINOv3ViTConfig) to a config. Reads `hidden_size`,
 * `num_hidden_layers`, `num_attention_heads`, `intermediate_size`, `use_gated_mlp` (older revisions:
 * `use_swiglu_ffn`), `layer_norm_eps`, `rope_theta`, `num_register_tokens`, `patch_size`, `num_channels`.
 */
export function configFromHf(json: Record<string, unknown>, limits: ConfigLimits = {}): DinoV3Config {
  const num = (key: string, fallback?: number): number => {
    const v = json[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) throw new Error(`config.json: missing required field '${key}'`);
      return fallback;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`config.json: '${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (json.model_type !== undefined && json.model_type !== 'dinov3_vit') {
    throw new Error(`config.json: model_type '${String(json.model_type)}' is not 'dinov3_vit'`);
  }
  const gated = Boolean(json.use_gated_mlp ?? json.use_swiglu_ffn ?? false);
  const embedDim = num('hidden_size');
  const config: DinoV3ConfigInput = {
    embedDim,
    depth: num('num_hidden_layers'),
    numHeads: num('num_attention_heads'),
    ffn: gated ? 'swiglu' : 'mlp',
    ffnHiddenDim: json.intermediate_size === undefined ? undefined : num('intermediate_size'),
    patchSize: num('patch_size', 16),
    inChannels: num('num_channels', 3),
    numRegisterTokens: num('num_register_tokens', 4),
    layerNormEps: num('layer_norm_eps', 1e-5),
    ropeBase: num('rope_theta', 100),
    layerScaleInit: num('layerscale_value', 1e-5),
  };
  if (json.key_bias === true) throw new Error('config.json: key_bias=true is not a DINOv3 configuration (the K bias is masked)');
  return dinov3Config(config, limits);
}

/** The inverse of {@link configFromHf}: a `config.json` body for this config. */
export function configToHf(c: DinoV3Config): Record<string, unknown> {
  return {
    model_type: 'dinov3_vit',
    architectures: ['DINOv3ViTModel'],
    hidden_size: c.embedDim,
    num_hidden_layers: c.depth,
    num_attention_heads: c.numHeads,
    intermediate_size: c.ffnHiddenDim,
    use_gated_mlp: c.ffn === 'swiglu',
    hidden_act: c.ffn === 'swiglu' ? 'silu' : 'gelu',
    layer_norm_eps: c.layerNormEps,
    rope_theta: c.ropeBase,
    num_register_tokens: c.numRegisterTokens,
    patch_size: c.patchSize,
    num_channels: c.inChannels,
    layerscale_value: c.layerScaleInit,
    query_bias: true,
    key_bias: false,
    value_bias: true,
    proj_bias: true,
    mlp_bias: true,
  };
}
