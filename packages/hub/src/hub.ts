/**
 * Hugging Face Hub conventions shared by the browser and Node loaders: the file URL layout
 * `{endpoint}/{repo}/resolve/{revision}/{file}`, repo-id detection and readable HTTP errors.
 */

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubOptions {
  /** Hub base URL (default https://huggingface.co, or a mirror). */
  endpoint?: string;
  /** Branch, tag or commit (default `main`). */
  revision?: string;
  /** Access token sent as `Authorization: Bearer …` (gated repos such as facebook/dinov3-*). */
  token?: string;
}

/** `owner/name`, as Hugging Face repo ids are written (and not a relative path such as `./x/y`). */
export function isRepoId(source: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(source) && !/\.(safetensors|json)$/.test(source);
}

export function isHttpUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The download URL of one file of a repo. */
export function hubFileUrl(repo: string, file: string, options: HubOptions = {}): string {
  const endpoint = (options.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const revision = encodeURIComponent(options.revision ?? 'main');
  const path = file.split('/').map(encodeURIComponent).join('/');
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

/** Headers for a request to `url`: the token goes only to the hub endpoint's own origin. */
export function hubHeaders(url: string, options: HubOptions, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  if (options.token) {
    const endpoint = options.endpoint ?? DEFAULT_HUB_ENDPOINT;
    if (isHttpUrl(url) && new URL(url).origin === new URL(endpoint).origin) headers.Authorization = `Bearer ${options.token}`;
  }
  return headers;
}
