import type { TensorSource } from '@anydepth/core';
import { type ConfigLimits, type DinoV3Config, configFromHf, validateConfig } from './config.js';
import { inferConfig } from './infer-config.js';
import { DinoVisionTransformer } from './vit.js';
import { type Dinov3LoadReport, loadDinov3Weights } from './weights.js';

export interface BuildPretrainedOptions extends ConfigLimits {
  /** Use this config instead of `config.json` / the one inferred from the tensor shapes. */
  config?: DinoV3Config;
  /** Key prefix of the encoder tensors (e.g. `'encoder.'`); detected when omitted. */
  prefix?: string;
  /** Fail on missing or unexpected tensors (default true). */
  strict?: boolean;
  /** Keep the encoder frozen (default true). */
  frozen?: boolean;
}

/** Builds an encoder for a checkpoint and loads it: config from `config.json` (parsed), the option, or the shapes. */
export function buildPretrained(
  source: TensorSource,
  configJson: Record<string, unknown> | null,
  options: BuildPretrainedOptions = {},
): { model: DinoVisionTransformer; report: Dinov3LoadReport } {
  const config = options.config ?? (configJson ? configFromHf(configJson, options) : inferConfig(source, options.prefix, options));
  if (options.config) validateConfig(options.config, options);
  const model = new DinoVisionTransformer(config, { frozen: options.frozen ?? true });
  try {
    const report = loadDinov3Weights(model, source, { prefix: options.prefix, strict: options.strict ?? true });
    return { model, report };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
