import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openSafetensors } from '@anydepth/core/node';
import { isHttpUrl, isRepoId } from '@anydepth/hub';
import { type SnapshotOptions, downloadPretrained, downloadUrl, withEnvToken } from '@anydepth/hub/node';
import { type BuildPretrainedOptions, buildPretrained } from '../pretrained.js';
import type { DinoVisionTransformer } from '../vit.js';

export interface NodeFromPretrainedOptions extends SnapshotOptions, BuildPretrainedOptions {}

function readConfigBeside(path: string): Record<string, unknown> | null {
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  const configPath = join(dir, 'config.json');
  return existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : null;
}

/**
 * Loads a pretrained DINOv3 encoder in Node. `source` is
 * - a local `.safetensors` file, a `model.safetensors.index.json`, or a folder holding either
 *   (with `config.json` beside it, else the config is read from the tensor shapes);
 * - a URL of a `.safetensors` file (cached under `{cacheDir}/urls/`);
 * - a Hugging Face repo id such as `facebook/dinov3-vits16-pretrain-lvd1689m` (downloaded once into
 *   the cache, with the token from `options.token` or `HF_TOKEN`; interrupted downloads resume).
 * Tensors are read lazily from disk; HF and torch-hub names are both accepted.
 */
export async function fromPretrained(source: string, options: NodeFromPretrainedOptions = {}): Promise<DinoVisionTransformer> {
  const opts = withEnvToken(options);
  let path: string;
  if (existsSync(source)) {
    path = source;
  } else if (isHttpUrl(source)) {
    path = await downloadUrl(source, { ...opts, withConfig: !opts.config });
  } else if (isRepoId(source)) {
    path = await downloadPretrained(source, opts);
  } else {
    throw new Error(`fromPretrained: '${source}' is not an existing file or folder, a URL, or a Hugging Face repo id`);
  }
  const checkpoint = openSafetensors(path);
  try {
    const configJson = opts.config ? null : readConfigBeside(path);
    return buildPretrained(checkpoint.source, configJson, opts).model;
  } finally {
    checkpoint.close();
  }
}
