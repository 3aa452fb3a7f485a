import { type LoadReport, type StateDictInput, type TensorSource, asTensorSource, saveSafetensors } from '@anydepth/core';
import { type ConfigLimits, DinoVisionTransformer, dinov3Config, fourEvenIntervals, loadDinov3Weights } from '@anydepth/dinov3';
import type { AnyDepth } from './anydepth.js';
import { type AnyDepthConfig, validateAnyDepthConfig } from './presets.js';

/** Safetensors metadata key holding the JSON `AnyDepthConfig` of a saved model. */
export const CONFIG_METADATA_KEY = 'anydepth.config';

/** Prefixes of the golden fixtures' data tensors, never weights. */
const DATA_PREFIXES = ['input.', 'output.', 'grad.', 'debug.', 'ref.'];
const isDataTensor = (key: string) => DATA_PREFIXES.some((p) => key.startsWith(p));

export interface AnyDepthLoadReport {
  encoder: LoadReport;
  decoder: LoadReport;
}

/** Loads the encoder part of a checkpoint (HF or torch-hub DINOv3 names, detected), with an optional prefix. */
export function loadEncoderWeights(model: AnyDepth, input: StateDictInput, options: { prefix?: string; strict?: boolean } = {}): LoadReport {
  if (model.encoder instanceof DinoVisionTransformer) {
    return loadDinov3Weights(model.encoder, input, { prefix: options.prefix, strict: options.strict, ignore: isDataTensor });
  }
  return model.encoder.loadStateDict(input, { prefix: options.prefix ?? '', strict: options.strict, ignore: isDataTensor });
}

/** Loads the decoder part (official SDT names), with an optional prefix such as `'decoder.'`. */
export function loadDecoderWeights(model: AnyDepth, input: StateDictInput, options: { prefix?: string; strict?: boolean } = {}): LoadReport {
  return model.decoder.loadStateDict(input, { prefix: options.prefix ?? '', strict: options.strict, ignore: isDataTensor });
}

/**
 * Loads a whole-model checkpoint with `encoder.` and `decoder.` prefixes (the official layout).
 * Tensors under any other prefix are unexpected (an error with `strict`), except fixture data.
 */
export function loadAnyDepthWeights(model: AnyDepth, input: StateDictInput, options: { strict?: boolean } = {}): AnyDepthLoadReport {
  const source = asTensorSource(input);
  const keys = [...source.keys()];
  const strict = options.strict ?? true;
  const stray = keys.filter((k) => !k.startsWith('encoder.') && !k.startsWith('decoder.') && !isDataTensor(k));
  if (strict && stray.length) {
    throw new Error(
      `checkpoint has ${stray.length} tensor(s) outside 'encoder.' and 'decoder.' (${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ', …' : ''}); ` +
        'load encoder-only or decoder-only files with loadEncoderWeights / loadDecoderWeights',
    );
  }
  if (!keys.some((k) => k.startsWith('decoder.'))) throw new Error("checkpoint has no 'decoder.' tensors: is this an AnyDepth checkpoint?");
  const decoder = loadDecoderWeights(model, source, { prefix: 'decoder.', strict });
  const encoder = keys.some((k) => k.startsWith('encoder.'))
    ? loadEncoderWeights(model, source, { prefix: 'encoder.', strict })
    : (() => {
        if (strict) throw new Error("checkpoint has no 'encoder.' tensors; load the encoder separately with loadEncoderWeights or pass strict: false");
        return { loaded: [], missing: [], unexpected: [], mismatched: [] } as LoadReport;
      })();
  return { encoder, decoder };
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
 * inferred from tensor shapes (HF DINOv3 names under `encoder.`, head dim 64, SDT under `decoder.`).
 * Either way the config is untrusted and checked by `validateAnyDepthConfig` (size limits, `maxModelBytes`)
 * before the caller allocates anything.
 */
export function configFromCheckpoint(source: TensorSource & { metadata?: Record<string, string> }, limits: ConfigLimits = {}): AnyDepthConfig {
  const meta = source.metadata?.[CONFIG_METADATA_KEY];
  if (meta) {
    let parsed: AnyDepthConfig;
    try {
      parsed = JSON.parse(meta) as AnyDepthConfig;
    } catch (e) {
      throw new Error(`checkpoint metadata '${CONFIG_METADATA_KEY}' is not valid JSON: ${(e as Error).message}`);
    }
    try {
      return validateAnyDepthConfig(parsed, limits);
    } catch (e) {
      throw new Error(`checkpoint metadata '${CONFIG_METADATA_KEY}': ${(e as Error).message}`);
    }
  }
  const shape = (name: string) => {
    const s = source.shapeOf?.(name) ?? source.get(name)?.shape;
    if (!s) throw new Error(`cannot infer the model configuration: checkpoint has no '${name}' (and no '${CONFIG_METADATA_KEY}' metadata)`);
    return [...s];
  };
  const keys = [...source.keys()];
  const [embedDim, , patchSize] = shape('encoder.embeddings.patch_embeddings.weight');
  const depth = 1 + Math.max(...keys.map((k) => /^encoder\.layer\.(\d+)\./.exec(k)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1])));
  const gated = keys.includes('encoder.layer.0.mlp.gate_proj.weight');
  const [ffnHiddenDim] = shape('encoder.layer.0.mlp.up_proj.weight');
  const registers = shape('encoder.embeddings.register_tokens')[1];
  const [fusionChannels] = shape('decoder.weighted_fusion.projections.0.0.weight');
  const numLayers = new Set(keys.map((k) => /^decoder\.weighted_fusion\.projections\.(\d+)\./.exec(k)?.[1]).filter(Boolean)).size;
  const layers = fourEvenIntervals(depth);
  if (layers.length !== numLayers) throw new Error(`cannot infer tapped layers: decoder has ${numLayers} inputs, encoder depth ${depth}`);
  const encoder = dinov3Config({
    embedDim,
    depth,
    numHeads: embedDim / 64,
    ffn: gated ? 'swiglu' : 'mlp',
    ffnHiddenDim,
    patchSize,
    numRegisterTokens: registers,
    intermediateLayers: layers,
  }, limits);
  return validateAnyDepthConfig({ encoder, fusionChannels, layers, norm: true, minDepth: 0.001 }, limits);
}
