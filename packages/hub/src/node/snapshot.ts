import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { HubError, type HubOptions, checkRepoFileName, checkRepoId, hubFileUrl } from '../hub.js';
import { shardFilesOf } from '../shard-index.js';
import { type DownloadOptions, downloadFile } from './download.js';

export interface SnapshotOptions extends HubOptions {
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

/** The options with `HF_TOKEN` from the environment when no token was given. */
export function withEnvToken<T extends HubOptions>(options: T): T {
  return options.token || !process.env.HF_TOKEN ? options : { ...options, token: process.env.HF_TOKEN };
}

function repoDir(repo: string, options: SnapshotOptions): string {
  const revision = checkRepoFileName(options.revision ?? 'main', 'revision');
  return join(options.cacheDir ?? defaultCacheDir(), `models--${checkRepoId(repo).replace('/', '--')}`, revision);
}

/** `dir/name` for a checked relative name, and a last guard that the result is inside `dir`. */
function inside(dir: string, name: string): string {
  const dest = resolve(dir, checkRepoFileName(name));
  const rel = relative(resolve(dir), dest);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`unsafe file name '${name}': it resolves outside ${dir}`);
  return dest;
}

function downloadOptions(options: SnapshotOptions): DownloadOptions {
  const { cacheDir: _, ...rest } = options;
  return rest;
}

/** Downloads one file of a repo into the cache (`{cacheDir}/models--{owner}--{name}/{revision}/{file}`); returns its path. */
export async function downloadRepoFile(repo: string, file: string, options: SnapshotOptions = {}): Promise<string> {
  const opts = withEnvToken(options);
  const dest = inside(repoDir(repo, opts), file);
  await downloadFile(hubFileUrl(repo, file, opts), dest, downloadOptions(opts));
  return dest;
}

async function optional(download: Promise<unknown>): Promise<boolean> {
  try {
    await download;
    return true;
  } catch (e) {
    if (e instanceof HubError && e.status === 404) return false;
    throw e;
  }
}

/**
 * Downloads the files of a safetensors repo into the cache (`{cacheDir}/models--{owner}--{name}/{revision}/`):
 * `config.json` (optional) and `model.safetensors`, or `model.safetensors.index.json` and its shards.
 * Returns the local folder.
 */
export async function downloadPretrained(repo: string, options: SnapshotOptions = {}): Promise<string> {
  const opts = withEnvToken(options);
  const dir = repoDir(repo, opts);
  const fetchFile = (file: string) => downloadRepoFile(repo, file, opts);
  await optional(fetchFile('config.json'));
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  if (opts.force || !existsSync(index)) {
    if (await optional(fetchFile('model.safetensors'))) return dir;
    await fetchFile('model.safetensors.index.json');
  }
  // A sharded snapshot, new or from before: complete any missing shard.
  if (existsSync(single)) return dir;
  for (const shard of shardFilesOf(readFileSync(index, 'utf8'))) await fetchFile(shard);
  return dir;
}

/**
 * Downloads a file given by URL into the cache (`{cacheDir}/urls/{hash of the URL}/{name}`), with the
 * `config.json` beside it on the server when there is one (unless `withConfig` is false). Returns its path.
 * The token goes only to the configured hub origin (`endpoint`, default https://huggingface.co): a URL on
 * another host is fetched without it.
 */
export async function downloadUrl(url: string, options: SnapshotOptions & { withConfig?: boolean } = {}): Promise<string> {
  const { withConfig, ...opts } = withEnvToken(options);
  const digest = createHash('sha256').update(url).digest('hex').slice(0, 16);
  const name = basename(new URL(url).pathname) || 'model.safetensors';
  const path = inside(join(opts.cacheDir ?? defaultCacheDir(), 'urls', digest), name);
  const dl = downloadOptions(opts);
  if (withConfig !== false) await optional(downloadFile(new URL('config.json', url).toString(), join(dirname(path), 'config.json'), dl));
  await downloadFile(url, path, dl);
  return path;
}
