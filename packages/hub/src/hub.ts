/**
 * Hugging Face Hub conventions shared by the browser and Node loaders: the file URL layout
 * `{endpoint}/{repo}/resolve/{revision}/{file}`, repo-id detection and readable HTTP errors.
 */

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
/** Largest file accepted by default (32 GiB: the biggest single safetensors shards on the hub are well below). */
export const DEFAULT_MAX_BYTES = 32 * 2 ** 30;
/** Largest `.json` file accepted by default (configs and shard indexes are kilobytes). */
export const DEFAULT_MAX_JSON_BYTES = 16 * 2 ** 20;
/** A request fails when no header or body byte arrives for this long. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export interface TransferLimits {
  /** Most bytes accepted for one file other than `.json` (default 32 GiB). */
  maxBytes?: number;
  /** Most bytes accepted for one `.json` file (default 16 MiB). */
  maxJsonBytes?: number;
  /** Fail when no response header or body byte arrives for this many milliseconds (default 60 s). */
  idleTimeoutMs?: number;
}

export interface HubOptions extends TransferLimits {
  /**
   * Hub base URL (default https://huggingface.co, or a mirror). The token is sent to this origin only:
   * never to a URL on another host, nor across a redirect to another origin (the hub's CDN included).
   */
  endpoint?: string;
  /** Branch, tag or commit (default `main`). */
  revision?: string;
  /** Access token sent as `Authorization: Bearer …` (gated repos such as facebook/dinov3-*). */
  token?: string;
}

/** The byte limit for a file at `url` (its path's name): `maxJsonBytes` for `.json`, else `maxBytes`. */
export function byteLimitFor(url: string, limits: TransferLimits): { limit: number; what: string; option: string } {
  const json = /\.json$/i.test(isHttpUrl(url) ? new URL(url).pathname : url);
  return json
    ? { limit: limits.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES, what: 'JSON files', option: 'maxJsonBytes' }
    : { limit: limits.maxBytes ?? DEFAULT_MAX_BYTES, what: 'a file', option: 'maxBytes' };
}

/**
 * A file name (or revision) that came from the hub or a caller, checked before it becomes a URL path or a
 * path in the cache: relative, `/`-separated, no `.`/`..`/empty segment, no backslash, no control character.
 * Returns the name; throws `unsafe {what} '…': reason`.
 */
export function checkRepoFileName(name: string, what = 'file name'): string {
  const problem = repoFileNameProblem(name);
  if (problem) throw new Error(`unsafe ${what} '${name}': ${problem}`);
  return name;
}

/** Why `name` is not a safe relative repo file name, or null when it is. */
export function repoFileNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'empty';
  if (name.length > 1024) return 'longer than 1024 characters';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a control character';
  if (name.includes('\\')) return 'a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'an absolute path';
  for (const segment of name.split('/')) {
    if (segment === '') return 'an empty segment';
    if (segment === '..') return "a '..' segment";
    if (segment === '.') return "a '.' segment";
  }
  return null;
}

/** `owner/name`, as Hugging Face repo ids are written (and not a relative path such as `./x/y`). */
export function isRepoId(source: string): boolean {
  return REPO_ID.test(source) && !/\.(safetensors|json)$/.test(source);
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/** Throws unless `repo` has the `owner/name` form (letters, digits, `_`, `.`, `-`; no `..` can start a part). */
export function checkRepoId(repo: string): string {
  if (!REPO_ID.test(repo)) throw new Error(`not a Hugging Face repo id: '${repo}'`);
  return repo;
}

export function isHttpUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The download URL of one file of a repo (repo id, file name and revision checked first). */
export function hubFileUrl(repo: string, file: string, options: HubOptions = {}): string {
  checkRepoId(repo);
  const endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const revision = encodeURIComponent(checkRepoFileName(options.revision ?? 'main', 'revision'));
  const path = checkRepoFileName(file).split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${repo}/resolve/${revision}/${path}`;
}

/** An HTTP failure while fetching a file; `status` is the HTTP status (0 for network errors). */
export class HubError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** A clear message for a failed request, with the usual cause for 401/403/404. */
export function httpErrorMessage(status: number, statusText: string, url: string, hasToken: boolean): string {
  const base = `GET ${url} failed: HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 401 || status === 403) {
    return hasToken
      ? `${base}: the token was refused or has no access to this repo (DINOv3 repos are gated: accept the licence on the model page)`
      : `${base}: the repo needs authentication; pass { token } or set the HF_TOKEN environment variable (DINOv3 repos are gated)`;
  }
  if (status === 404) return `${base}: no such repo, revision or file`;
  return base;
}

/** Whether `url` is on the configured hub's origin (scheme, host and port), the only one that gets the token. */
export function isHubOrigin(url: string, options: HubOptions): boolean {
  return isHttpUrl(url) && new URL(url).origin === new URL(options.endpoint ?? DEFAULT_HUB_ENDPOINT).origin;
}

/** Headers for a request to `url`: the token goes only to the hub endpoint's own origin. */
export function hubHeaders(url: string, options: HubOptions, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  if (options.token && isHubOrigin(url, options)) headers.Authorization = `Bearer ${options.token}`;
  return headers;
}

/**
 * The SHA-256 (lower-case hex) the hub announces for a file, or null. The hub sends it for LFS files as
 * `x-linked-etag` on its redirect to the CDN, and as the `ETag` when it serves the file itself; other ETags
 * (git blob SHA-1 of small files, a CDN's or another server's own validators) are not content hashes we can check.
 */
export function announcedSha256(etag: string | null): string | null {
  const m = etag ? /^(?:W\/)?"?([0-9a-fA-F]{64})"?$/.exec(etag.trim()) : null;
  return m && !etag!.trim().startsWith('W/') ? m[1].toLowerCase() : null;
}
