import { HubError, type HubOptions, httpErrorMessage, hubHeaders } from './hub.js';

export interface FetchOptions extends HubOptions {
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

/** GET with the hub's token rules and one retry on a network error; non-2xx answers throw a `HubError`. */
export async function hubGet(url: string, options: FetchOptions = {}): Promise<Response> {
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new Error('no fetch() available in this environment');
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

/** The whole body of `url` in memory, checked against the announced size (`x-linked-size` / `content-length`). */
export async function fetchBytes(url: string, options: FetchOptions = {}): Promise<Uint8Array> {
  const res = await hubGet(url, options);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const expected = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(expected) && !res.headers.get('content-encoding') && expected !== bytes.length) {
    throw new HubError(`GET ${url}: received ${bytes.length} bytes but the server announced ${expected}`, url, res.status);
  }
  return bytes;
}

/** Like `fetchBytes`, but a 404 gives `null` (optional files such as `config.json`). */
export async function fetchOptionalBytes(url: string, options: FetchOptions = {}): Promise<Uint8Array | null> {
  try {
    return await fetchBytes(url, options);
  } catch (e) {
    if (e instanceof HubError && e.status === 404) return null;
    throw e;
  }
}
