import { type LoadReport, type Rng, type StateDictInput, type TensorSource, saveSafetensors } from '@anydepth/core';
import { asTensorSource } from '@anydepth/core/internal';
import { DinoVisionTransformer, loadDinov3Weights } from '@anydepth/dinov3';
import type { AnyDepth } from './anydepth.js';
import { CONFIG_METADATA_KEY, type ConfigOrigin, type InferConfigOptions, inferAnyDepthConfig } from './checkpoint-config.js';
import { type CheckpointLayout, detectCheckpointLayout, isDataTensor } from './checkpoint-layout.js';
import { type AnyDepthConfig, createAnyDepth } from './presets.js';

export { CONFIG_METADATA_KEY };

export interface AnyDepthLoadReport {
  encoder: LoadReport;
  decoder: LoadReport;
  /** What was recognised in the checkpoint(s). */
  layout: CheckpointLayout;
}

const EMPTY: LoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [] };

/** Options of loading one part of a checkpoint: its key prefix, strictness, and keys to skip (data tensors always are). */
export interface PartLoadOptions {
  prefix?: string;
  strict?: boolean;
  ignore?: (key: string) => boolean;
}

function ignoring(options: PartLoadOptions): (key: string) => boolean {
  return (k) => isDataTensor(k) || (options.ignore?.(k) ?? false);
}

/** Loads the encoder part of a checkpoint (HF or torch-hub DINOv3 names, detected), with an optional prefix. */
export function loadEncoderWeights(model: AnyDepth, input: StateDictInput, options: PartLoadOptions = {}): LoadReport {
  const ignore = ignoring(options);
  if (model.encoder instanceof DinoVisionTransformer) {
    return loadDinov3Weights(model.encoder, input, { prefix: options.prefix, strict: options.strict, ignore });
  }
  return model.encoder.loadStateDict(input, { prefix: options.prefix ?? '', strict: options.strict, ignore });
}

/** Loads the decoder part (official SDT names), with an optional prefix such as `'decoder.'`. */
export function loadDecoderWeights(model: AnyDepth, input: StateDictInput, options: PartLoadOptions = {}): LoadReport {
  return model.decoder.loadStateDict(input, { prefix: options.prefix ?? '', strict: options.strict, ignore: ignoring(options) });
}

/**
 * Loads weights from one or more sources whose layout `detectCheckpointLayout` recognised. With
 * `strict` (default), tensors that belong to neither part are an error naming them; tensors outside
 * a wrapper (`{model: …, optimizer: …}`) are skipped.
 */
export function loadCheckpointLayout(
  model: AnyDepth,
  sources: TensorSource[],
  layout: CheckpointLayout,
  options: { strict?: boolean } = {},
): AnyDepthLoadReport {
  const strict = options.strict ?? true;
  if (layout.family !== 'anydepth') throw new Error(`the checkpoint holds a ${layout.family} model (${layout.report[0]}), not AnyDepth`);
  const stray = layout.unclaimed.flat();
  if (strict && stray.length) {
    throw new Error(
      `checkpoint has ${stray.length} tensor(s) that are neither encoder nor decoder (${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ', …' : ''}); ${layout.report.join('; ')}`,
    );
  }
  if (!layout.encoder && strict) {
    throw new Error(`checkpoint has no encoder tensors (${layout.report.join('; ')}); give the DINOv3 backbone file too, or pass strict: false`);
  }
  const { decoder: dec, encoder: enc } = layout;
  // Only when the encoder's prefix lies inside the decoder's (a decoder at the root of a file that also holds the backbone) must its keys be skipped explicitly.
  const nested = enc !== null && enc.source === dec.source && enc.prefix !== dec.prefix && enc.prefix.startsWith(dec.prefix);
  const decoder = loadDecoderWeights(model, sources[dec.source], { prefix: dec.prefix, strict, ignore: (k) => nested && k.startsWith(enc.prefix) });
  const encoder = enc ? loadEncoderWeights(model, sources[enc.source], { prefix: enc.prefix, strict }) : EMPTY;
  return { encoder, decoder, layout };
}

/**
 * Loads a whole-model checkpoint in any recognised AnyDepth layout: the official `build_depther`
 * state dict (`0.encoder.backbone.*` + `0.decoder.*`), this project's `encoder.`/`decoder.` files,
 * either under `module.` or inside `{model|state_dict|model_state_dict: …}` wrappers.
 */
export function loadAnyDepthWeights(model: AnyDepth, input: StateDictInput | StateDictInput[], options: { strict?: boolean } = {}): AnyDepthLoadReport {
  const sources = (Array.isArray(input) ? input : [input]).map(asTensorSource);
  return loadCheckpointLayout(model, sources, detectCheckpointLayout(sources), options);
}

export interface LoadAnyDepthCheckpointOptions extends InferConfigOptions {
  strict?: boolean;
  rng?: Rng;
}

export interface AnyDepthCheckpointReport extends AnyDepthLoadReport {
  config: AnyDepthConfig;
  configOrigin: ConfigOrigin;
  /** Human-readable summary: layout, wrappers, where each part came from, where the config came from. */
  lines: string[];
}

/**
 * Builds an AnyDepth model for the given checkpoint source(s) and loads them: one file in any
 * layout, or a decoder-only file plus a DINOv3 backbone file. The configuration is the explicit one
 * when given, else the file's metadata, else inferred from the tensors (+ `config.json`).
 */
export function loadAnyDepthCheckpoint(
  input: TensorSource | TensorSource[],
  options: LoadAnyDepthCheckpointOptions = {},
): { model: AnyDepth; report: AnyDepthCheckpointReport } {
  const sources = Array.isArray(input) ? input : [input];
  const layout = detectCheckpointLayout(sources);
  const { config, origin } = inferAnyDepthConfig(sources, layout, options);
  const model = createAnyDepth(config, { rng: options.rng, maxModelBytes: options.maxModelBytes });
  try {
    const loaded = loadCheckpointLayout(model, sources, layout, { strict: options.strict });
    const e = config.encoder;
    const lines = [
      ...layout.report,
      `config (${origin}): DINOv3 D ${e.embedDim}, ${e.depth} blocks, ${e.numHeads} heads, ${e.numRegisterTokens} registers, ${e.ffn}; SDT C ${config.fusionChannels}; layers [${config.layers}]`,
    ];
    return { model: model.eval(), report: { ...loaded, config, configOrigin: origin, lines } };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Serialises the whole model (PyTorch layout, `encoder.`/`decoder.` names) with its config in the metadata. */
export async function saveAnyDepth(model: AnyDepth, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const state = model.stateDict();
  try {
    const meta: Record<string, string> = { format: 'pt', ...metadata };
    if (model.config) meta[CONFIG_METADATA_KEY] = JSON.stringify(model.config);
    return await saveSafetensors(state, meta);
  } finally {
    for (const t of Object.values(state)) t.dispose();
  }
}

/**
 * The model configuration of a checkpoint: from its metadata when saved by `saveAnyDepth`, otherwise
 * inferred from tensor shapes in any recognised layout.
 */
export function configFromCheckpoint(source: TensorSource & { metadata?: Record<string, string> }, options: InferConfigOptions = {}): AnyDepthConfig {
  const meta = source.metadata?.[CONFIG_METADATA_KEY];
  const layout = meta === undefined ? detectCheckpointLayout(source) : null;
  return inferAnyDepthConfig([source], layout as CheckpointLayout, options).config;
}
