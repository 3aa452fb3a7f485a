import type { TensorSource } from '@anydepth/core';
import { type ConfigLimits, configFromHf, inferConfig } from '@anydepth/dinov3';
import { fourEvenIntervals } from '@anydepth/dinov3/internal';
import type { CheckpointLayout } from './checkpoint-layout.js';
import { type AnyDepthConfig, validateAnyDepthConfig } from './presets.js';

/** Safetensors metadata key holding the JSON `AnyDepthConfig` of a saved model. */
export const CONFIG_METADATA_KEY = 'anydepth.config';

export type ConfigOrigin = 'explicit' | 'metadata' | 'inferred' | 'inferred+config.json';

/** `maxModelBytes` bounds what a metadata or inferred config may allocate (see `validateAnyDepthConfig`). */
export interface InferConfigOptions extends ConfigLimits {
  /** Always wins over anything the checkpoint says. */
  config?: AnyDepthConfig;
  /**
   * transformers-format `config.json` found beside each source (same order; undefined where none):
   * it sets what tensors cannot tell, such as the encoder's head count.
   */
  hfConfigs?: (Record<string, unknown> | undefined)[];
}

function metadataOf(source: TensorSource): Record<string, string> | undefined {
  return (source as { metadata?: Record<string, string> }).metadata;
}

/**
 * The configuration to build for a recognised AnyDepth checkpoint: the explicit one, else the
 * project metadata (`anydepth.config`), else inferred from tensor shapes — encoder from the DINOv3
 * tensors (head dim from `rope_embed.periods` when present, else from `config.json`, else 64),
 * fusion width from the SDT projections, tapped layers = DINOv3's four even intervals (what
 * `build_depther` uses by default), min depth 0.001. Configs from the file are untrusted: checked by
 * `validateAnyDepthConfig` (size limits, `maxModelBytes`) before anything is allocated.
 */
export function inferAnyDepthConfig(
  sources: TensorSource[],
  layout: CheckpointLayout,
  options: InferConfigOptions = {},
): { config: AnyDepthConfig; origin: ConfigOrigin } {
  if (options.config) return { config: options.config, origin: 'explicit' };
  for (const source of sources) {
    const meta = metadataOf(source)?.[CONFIG_METADATA_KEY];
    if (meta === undefined) continue;
    let parsed: AnyDepthConfig;
    try {
      parsed = JSON.parse(meta) as AnyDepthConfig;
    } catch (e) {
      throw new Error(`checkpoint metadata '${CONFIG_METADATA_KEY}' is not valid JSON: ${(e as Error).message}`);
    }
    try {
      return { config: validateAnyDepthConfig(parsed, options), origin: 'metadata' };
    } catch (e) {
      throw new Error(`checkpoint metadata '${CONFIG_METADATA_KEY}': ${(e as Error).message}`);
    }
  }
  if (layout.family !== 'anydepth') throw new Error(`inferAnyDepthConfig: the checkpoint holds a ${layout.family} model, not AnyDepth`);
  const { encoder: enc, decoder: dec } = layout;
  if (!enc) {
    throw new Error(
      `cannot infer the model configuration: no encoder tensors (${layout.report.join('; ')}); give the DINOv3 backbone file too, or an explicit config`,
    );
  }
  let encoder = inferConfig(sources[enc.source], enc.prefix, options);
  const hf = options.hfConfigs?.[enc.source];
  let origin: ConfigOrigin = 'inferred';
  if (hf) {
    const fromJson = configFromHf(hf, options);
    if (fromJson.embedDim !== encoder.embedDim || fromJson.depth !== encoder.depth) {
      throw new Error(
        `config.json says hidden_size ${fromJson.embedDim}, ${fromJson.depth} layers but the tensors have ${encoder.embedDim}, ${encoder.depth}: it does not describe these weights`,
      );
    }
    encoder = { ...encoder, numHeads: fromJson.numHeads, layerNormEps: fromJson.layerNormEps, ropeBase: fromJson.ropeBase };
    origin = 'inferred+config.json';
  }
  const decoderSource = sources[dec.source];
  const shape = (name: string) => {
    const s = decoderSource.shapeOf?.(dec.prefix + name) ?? decoderSource.get(dec.prefix + name)?.shape;
    if (!s) throw new Error(`cannot infer the model configuration: the checkpoint has no '${dec.prefix + name}'`);
    return [...s];
  };
  const [fusionChannels, inChannels] = shape('weighted_fusion.projections.0.0.weight');
  if (inChannels !== encoder.embedDim) {
    throw new Error(
      `the decoder expects ${inChannels}-channel features (${dec.prefix}weighted_fusion.projections.0.0.weight) but the encoder has width ${encoder.embedDim}`,
    );
  }
  const inputs = new Set(
    [...decoderSource.keys()]
      .map((k) => (k.startsWith(dec.prefix) ? /^weighted_fusion\.projections\.(\d+)\./.exec(k.slice(dec.prefix.length))?.[1] : undefined))
      .filter((v) => v !== undefined),
  ).size;
  const layers = fourEvenIntervals(encoder.depth);
  if (layers.length !== inputs) throw new Error(`cannot infer tapped layers: decoder has ${inputs} inputs, encoder depth ${encoder.depth}`);
  encoder = { ...encoder, intermediateLayers: layers };
  return { config: validateAnyDepthConfig({ encoder, fusionChannels, layers, norm: true, minDepth: 0.001 }, options), origin };
}
