import { SafetensorsFile } from '@anydepth/core';
import { ShardedSafetensors, parseShardIndex } from '@anydepth/core/internal';
import { type HubOptions, fetchBytes, fetchOptionalBytes, hubFileUrl, isHttpUrl, isRepoId } from '@anydepth/hub';
import { type BuildPretrainedOptions, buildPretrained } from './pretrained.js';
import type { DinoVisionTransformer } from './vit.js';

export interface FromPretrainedOptions extends HubOptions, BuildPretrainedOptions {
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

/**
 * Loads a pretrained DINOv3 encoder in any environment with `fetch` (browsers, workers, Node),
 * holding the checkpoint in memory. `source` is a Hugging Face repo id
 * (`facebook/dinov3-vits16-pretrain-lvd1689m`: `config.json` + `model.safetensors` or a sharded
 * index), a URL of a `.safetensors` file (its `config.json` is looked for beside it), or the bytes
 * of a safetensors file. Node users who want caching, resumable downloads and local files use
 * `fromPretrained` from `@anydepth/dinov3/node`.
 */
export async function fromPretrained(source: string | Uint8Array, options: FromPretrainedOptions = {}): Promise<DinoVisionTransformer> {
  if (source instanceof Uint8Array) return buildPretrained(SafetensorsFile.fromBytes(source), null, options).model;
  let configUrl: string;
  let weightsUrl: string | null;
  let indexUrl: string | null = null;
  if (isHttpUrl(source)) {
    weightsUrl = source;
    configUrl = new URL('config.json', source).toString();
  } else if (isRepoId(source)) {
    configUrl = hubFileUrl(source, 'config.json', options);
    weightsUrl = hubFileUrl(source, 'model.safetensors', options);
    indexUrl = hubFileUrl(source, 'model.safetensors.index.json', options);
  } else {
    throw new Error(`fromPretrained: '${source}' is neither a URL nor a Hugging Face repo id (local files need '@anydepth/dinov3/node')`);
  }
  const configBytes = options.config ? null : await fetchOptionalBytes(configUrl, options);
  const configJson = configBytes ? (JSON.parse(new TextDecoder().decode(configBytes)) as Record<string, unknown>) : null;
  const bytes = indexUrl ? await fetchOptionalBytes(weightsUrl, options) : await fetchBytes(weightsUrl, options);
  if (bytes) return buildPretrained(SafetensorsFile.fromBytes(bytes, weightsUrl), configJson, options).model;
  const index = parseShardIndex(new TextDecoder().decode(await fetchBytes(indexUrl!, options)));
  const shards = new Map<string, SafetensorsFile>();
  for (const shard of new Set(Object.values(index.weight_map))) {
    const url = hubFileUrl(source, shard, options);
    shards.set(shard, SafetensorsFile.fromBytes(await fetchBytes(url, options), shard));
  }
  return buildPretrained(new ShardedSafetensors(index, shards), configJson, options).model;
}
