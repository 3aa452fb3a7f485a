import { type Dinov2Config, DINOV2_PRESETS, type Dinov2PresetName, dinov2Config, dinov2Preset } from '@anydepth/dinov2';
import { DINOV3_PRESETS, type DinoV3Config, type DinoV3PresetName, dinov3Config, dinov3Preset } from '@anydepth/dinov3';
import { DAV2_DPT_CONFIGS } from '@anydepth/dpt';
import { DAV2_INPUT } from './dav2-preprocess.js';
import type { DepthAnythingV2Config } from './depth-anything-v2.js';
import { ANYDEPTH_INPUT, IMAGENET_NORMALIZATION, type InputSpec, type Normalization } from './preprocess.js';
import type { AnyDepthConfig } from './presets.js';

/** The configuration type of each family a preset can build. */
export interface PresetConfigs {
  anydepth: AnyDepthConfig;
  'depth-anything-v2': DepthAnythingV2Config;
  dinov3: DinoV3Config;
  dinov2: Dinov2Config;
}

export type PresetFamily = keyof PresetConfigs;

/**
 * One named configuration (timm-style registered entry): what it builds, the default input and the
 * normalisation. Every model and encoder configuration of this project is one of these, in one registry.
 */
export interface ModelPreset<F extends PresetFamily = PresetFamily> {
  /** Registry name, e.g. `anydepth-vits16`, `dav2-vits`, `dinov3-vitl16`. */
  readonly name: string;
  readonly family: F;
  /** One line for `--help` listings. */
  readonly description: string;
  /** The encoder preset this model is built on (for encoders: undefined). */
  readonly encoder?: string;
  /** Default inference size, size rule, patch multiple and resampling. */
  readonly input: Readonly<InputSpec>;
  readonly normalization: Readonly<Normalization>;
  /** A fresh copy of the configuration (callers may change it). */
  config(): PresetConfigs[F];
}

type AnyPreset = { [F in PresetFamily]: ModelPreset<F> }[PresetFamily];

const registry = new Map<string, AnyPreset>();

/** Adds a preset; a name already taken is an error unless `{ replace: true }`. */
export function registerPreset<F extends PresetFamily>(preset: ModelPreset<F>, options: { replace?: boolean } = {}): ModelPreset<F> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(preset.name))
    throw new Error(`registerPreset: '${preset.name}' is not a valid preset name (lower-case letters, digits, '.', '_', '-')`);
  if (registry.has(preset.name) && !options.replace)
    throw new Error(`registerPreset: '${preset.name}' is already registered (pass { replace: true } to replace it)`);
  if (preset.encoder !== undefined && !registry.has(preset.encoder))
    throw new Error(`registerPreset: '${preset.name}' names the unknown encoder preset '${preset.encoder}'`);
  registry.set(preset.name, preset as unknown as AnyPreset);
  return preset;
}

/** Every registered preset name, in registration order; of one family when given. */
export function listPresets(family?: PresetFamily): string[] {
  return [...registry.values()].filter((p) => family === undefined || p.family === family).map((p) => p.name);
}

/** The preset named `name` (of `family`, when given), or an error listing the known names. */
export function getPreset<F extends PresetFamily>(name: string, family: F): ModelPreset<F>;
export function getPreset(name: string): AnyPreset;
export function getPreset(name: string, family?: PresetFamily): AnyPreset {
  const p = registry.get(name);
  if (!p || (family !== undefined && p.family !== family)) {
    throw new Error(`unknown ${family ? `${family} ` : ''}preset '${name}' (choose ${listPresets(family).join(', ')})`);
  }
  return p;
}

/** The input spec a family's presets share (what the estimator and `predict` use by default). */
export function familyInput(family: 'anydepth' | 'depth-anything-v2'): Readonly<InputSpec> {
  return family === 'anydepth' ? ANYDEPTH_INPUT : DAV2_INPUT;
}

// ---- the built-in presets ----

const encoderInput = (multiple: number): Readonly<InputSpec> => ({ sizeRule: 'longer-side', size: 224, multiple, resample: 'area-bilinear' });

/** The tiny DINOv3 of the golden fixtures (D 128, 4 blocks, 2 heads, 4 registers). */
function dinov3Tiny(): DinoV3Config {
  return dinov3Config({ embedDim: 128, depth: 4, numHeads: 2, intermediateLayers: [0, 1, 2, 3] });
}

/** The tiny DINOv2 of the Depth Anything V2 fixture (D 64, 4 blocks, 2 heads; DAv2's img_size 518, offset 0.1). */
function dinov2Tiny(): Dinov2Config {
  return dinov2Config({ embedDim: 64, depth: 4, numHeads: 2, intermediateLayers: [0, 1, 2, 3] });
}

registerPreset({
  name: 'dinov3-tiny',
  family: 'dinov3',
  description: 'tiny DINOv3 of the golden fixtures (D 128, 4 blocks)',
  input: encoderInput(16),
  normalization: IMAGENET_NORMALIZATION,
  config: dinov3Tiny,
});
/** One registry entry per encoder preset of a family (`dinov3-vits16`, `dinov2-vits14`, …), read from that package's table. */
function registerEncoderPresets<F extends 'dinov3' | 'dinov2', K extends string, C extends { patchSize: number }>(
  family: F,
  table: Readonly<Record<K, C>>,
  describe: (key: K, c: C) => string,
  build: (key: K) => PresetConfigs[F],
): void {
  for (const key of Object.keys(table) as K[]) {
    registerPreset({
      name: `${family}-${key}`,
      family,
      description: describe(key, table[key]),
      input: encoderInput(table[key].patchSize),
      normalization: IMAGENET_NORMALIZATION,
      config: () => build(key),
    });
  }
}
registerEncoderPresets(
  'dinov3',
  DINOV3_PRESETS,
  (key: DinoV3PresetName, c) => `DINOv3 ViT ${key} (D ${c.embedDim}, ${c.depth} blocks, ${c.ffn})`,
  dinov3Preset,
);
registerPreset({
  name: 'dinov2-tiny',
  family: 'dinov2',
  description: 'tiny DINOv2 of the Depth Anything V2 fixture (D 64, 4 blocks)',
  input: encoderInput(14),
  normalization: IMAGENET_NORMALIZATION,
  config: dinov2Tiny,
});
registerEncoderPresets(
  'dinov2',
  DINOV2_PRESETS,
  (key: Dinov2PresetName, c) => `DINOv2 ViT ${key} (D ${c.embedDim}, ${c.depth} blocks${c.numRegisterTokens ? `, ${c.numRegisterTokens} registers` : ''})`,
  dinov2Preset,
);

/** AnyDepth on an encoder preset: SDT width C, the encoder's tapped layers, final norm, min depth 0.001. */
function anyDepthOn(encoder: string, fusionChannels: number): () => AnyDepthConfig {
  return () => {
    const e = getPreset(encoder, 'dinov3').config();
    return { encoder: e, fusionChannels, layers: [...e.intermediateLayers], norm: true, minDepth: 0.001 };
  };
}

registerPreset({
  name: 'anydepth-tiny',
  family: 'anydepth',
  description: 'the golden fixtures’ tiny AnyDepth (D 128, 4 blocks, C 32): tests and demos',
  encoder: 'dinov3-tiny',
  input: ANYDEPTH_INPUT,
  normalization: IMAGENET_NORMALIZATION,
  config: anyDepthOn('dinov3-tiny', 32),
});
for (const [size, key] of [
  ['S', 'vits16'],
  ['B', 'vitb16'],
  ['L', 'vitl16'],
] as const) {
  registerPreset({
    name: `anydepth-${key}`,
    family: 'anydepth',
    description: `AnyDepth ${size} (DINOv3 ${key}, C 256), as in the paper`,
    encoder: `dinov3-${key}`,
    input: ANYDEPTH_INPUT,
    normalization: IMAGENET_NORMALIZATION,
    config: anyDepthOn(`dinov3-${key}`, 256),
  });
}

/** Depth Anything V2 on an encoder preset (official `model_configs`; no BN, no class-token readout). */
function dav2On(encoder: string, features: number, outChannels: number[]): () => DepthAnythingV2Config {
  return () => {
    const e = getPreset(encoder, 'dinov2').config();
    return { encoder: e, features, outChannels: [...outChannels], useBn: false, useClsToken: false, layers: [...e.intermediateLayers] };
  };
}

registerPreset({
  name: 'dav2-tiny',
  family: 'depth-anything-v2',
  description: 'the dav2_tiny fixture (DINOv2 D 64, 4 blocks, features 16)',
  encoder: 'dinov2-tiny',
  input: DAV2_INPUT,
  normalization: IMAGENET_NORMALIZATION,
  config: dav2On('dinov2-tiny', 16, [8, 16, 32, 64]),
});
// The head widths are declared once, in @anydepth/dpt (DAV2_DPT_CONFIGS, the official `model_configs`).
for (const [size, key] of [
  ['Small', 'vits'],
  ['Base', 'vitb'],
  ['Large', 'vitl'],
] as const) {
  const { features, outChannels } = DAV2_DPT_CONFIGS[key];
  registerPreset({
    name: `dav2-${key}`,
    family: 'depth-anything-v2',
    description: `Depth Anything V2 ${size} (DINOv2 ${key}14, features ${features})`,
    encoder: `dinov2-${key}14`,
    input: DAV2_INPUT,
    normalization: IMAGENET_NORMALIZATION,
    config: dav2On(`dinov2-${key}14`, features, outChannels),
  });
}

/** `name — description` lines of a family's presets, for `--help`. */
export function presetHelp(family: PresetFamily, indent = '  '): string {
  return listPresets(family)
    .map((n) => `${indent}${n.padEnd(18)} ${getPreset(n).description}`)
    .join('\n');
}
