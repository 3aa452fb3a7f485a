import { SafetensorsFile, ShardedSafetensors, parseShardIndex } from '@anydepth/core';
import { HubError, type HubOptions, hubFileUrl, hubHeaders, httpErrorMessage, isHttpUrl, isRepoId } from './hub.js';
import { type BuildPretrainedOptions, buildPretrained } from './pretrained.js';
import type { DinoVisionTransformer } from './vit.js';

export interface FromPretrainedOptions extends HubOptions, BuildPretrainedOptions {
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

async function get(url: string, options: FromPretrainedOptions, doFetch: typeof fetch): Promise<Response> {
  let res: Response | null = null;
  // One retry on a network error (e.g. a pooled keep-alive connection the server had just closed).
  for (let attempt = 0; !res; attempt++) {
    try {
      res = await doFetch(url, { headers: hubHeaders(url, options) });
    } catch (e) {
      if (attempt >= 1) throw new HubError(`GET ${url} failed: ${(e as Error).message}`, url, 0);
    }
  }
  if (!res.ok) throw new HubError(httpErrorMessage(res.status, res.statusText, url, !!options.token), url, res.status);
  return res;
}

async function getBytes(url: string, options: FromPretrainedOptions, doFetch: typeof fetch): Promise<Uint8Array> {
  const res = await get(url, options, doFetch);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const expected = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(expected) && !res.headers.get('content-encoding') && expected !== bytes.length) {
    throw new HubError(`GET ${url}: received ${bytes.length} bytes but the server announced ${expected}`, url, res.status);
  }
  return bytes;
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
  const doFetch = options.fetch ?? globalThis.fetch;
  if (source instanceof Uint8Array) return buildPretrained(SafetensorsFile.fromBytes(source), null, options).model;
  if (typeof doFetch !== 'function') throw new Error('fromPretrained: no fetch() available in this environment');
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
  let configJson: Record<string, unknown> | null = null;
  if (!options.config) {
    try {
      configJson = JSON.parse(new TextDecoder().decode(await getBytes(configUrl, options, doFetch)));
    } catch (e) {
      if (!(e instanceof HubError && e.status === 404)) throw e;
    }
  }
  try {
    const bytes = await getBytes(weightsUrl, options, doFetch);
    return buildPretrained(SafetensorsFile.fromBytes(bytes, weightsUrl), configJson, options).model;
  } catch (e) {
    if (!(indexUrl && e instanceof HubError && e.status === 404)) throw e;
  }
  const index = parseShardIndex(new TextDecoder().decode(await getBytes(indexUrl, options, doFetch)));
  const shards = new Map<string, SafetensorsFile>();
  for (const shard of new Set(Object.values(index.weight_map))) {
    const url = hubFileUrl(source, shard, options);
    shards.set(shard, SafetensorsFile.fromBytes(await getBytes(url, options, doFetch), shard));
  }
  return buildPretrained(new ShardedSafetensors(index, shards), configJson, options).model;
}
