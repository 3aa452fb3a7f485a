import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseShardIndex } from '@anydepth/core';
import { openSafetensors } from '@anydepth/core/node';
import { HubError, type HubOptions, hubFileUrl, isHttpUrl, isRepoId } from '../hub.js';
import { type BuildPretrainedOptions, buildPretrained } from '../pretrained.js';
import type { DinoVisionTransformer } from '../vit.js';
import { type DownloadOptions, downloadFile } from './download.js';

export interface NodeFromPretrainedOptions extends HubOptions, BuildPretrainedOptions {
  /** Where downloads are cached (default `$ANYDEPTH_CACHE` or ~/.cache/anydepth/hub). */
  cacheDir?: string;
  /** Download again even when cached. */
  force?: boolean;
  fetch?: typeof fetch;
  onProgress?: DownloadOptions['onProgress'];
}

/** The default download cache: `$ANYDEPTH_CACHE`, else `~/.cache/anydepth/hub`. */
export function defaultCacheDir(): string {
  return process.env.ANYDEPTH_CACHE ?? join(homedir(), '.cache', 'anydepth', 'hub');
}

function withEnvToken<T extends HubOptions>(options: T): T {
  return options.token || !process.env.HF_TOKEN ? options : { ...options, token: process.env.HF_TOKEN };
}

/**
 * Downloads the files of a DINOv3 repo into the cache (`{cacheDir}/models--{owner}--{name}/{revision}/`):
 * `config.json` (optional) and `model.safetensors`, or `model.safetensors.index.json` and its shards.
 * Returns the local folder.
 */
export async function downloadPretrained(repo: string, options: NodeFromPretrainedOptions = {}): Promise<string> {
  const opts = withEnvToken(options);
  const dir = join(opts.cacheDir ?? defaultCacheDir(), `models--${repo.replace('/', '--')}`, opts.revision ?? 'main');
  const dl: DownloadOptions = { endpoint: opts.endpoint, revision: opts.revision, token: opts.token, fetch: opts.fetch, force: opts.force, onProgress: opts.onProgress };
  const fetchFile = (file: string) => downloadFile(hubFileUrl(repo, file, opts), join(dir, file), dl);
  try {
    await fetchFile('config.json');
  } catch (e) {
    if (!(e instanceof HubError && e.status === 404)) throw e;
  }
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  if (!opts.force && existsSync(index)) {
    // A sharded snapshot from before: complete any missing shard.
  } else {
    try {
      await fetchFile('model.safetensors');
      return dir;
    } catch (e) {
      if (!(e instanceof HubError && e.status === 404)) throw e;
    }
    await fetchFile('model.safetensors.index.json');
  }
  if (existsSync(single)) return dir;
  const shards = new Set(Object.values(parseShardIndex(readFileSync(index, 'utf8')).weight_map));
  for (const shard of shards) await fetchFile(shard);
  return dir;
}

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
    const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
    const name = basename(new URL(source).pathname) || 'model.safetensors';
    path = join(opts.cacheDir ?? defaultCacheDir(), 'urls', digest, name);
    const dl: DownloadOptions = { token: opts.token, endpoint: opts.endpoint ?? new URL(source).origin, fetch: opts.fetch, force: opts.force, onProgress: opts.onProgress };
    if (!opts.config) {
      // A config.json beside the weights, when the server has one.
      try {
        await downloadFile(new URL('config.json', source).toString(), join(dirname(path), 'config.json'), dl);
      } catch (e) {
        if (!(e instanceof HubError && e.status === 404)) throw e;
      }
    }
    await downloadFile(source, path, dl);
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
