import { DEFAULT_IDLE_TIMEOUT_MS, HubError, type HubOptions, announcedSha256, byteLimitFor, httpErrorMessage, hubHeaders, isHubOrigin } from './hub.js';

export interface FetchOptions extends HubOptions {
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

/**
 * One abort signal per request that fires when nothing arrives for `ms`: armed when the request is sent,
 * re-armed by every body chunk (`touch()`), stopped with `clear()`. Covers a server that never answers,
 * a connection that stalls mid-body and a 1-byte/s trickle alike.
 */
export class IdleTimer {
  readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Whether the timeout went off (then `error()` is the reason of whatever failed). */
  fired = false;

  constructor(
    readonly ms: number,
    readonly url: string,
  ) {
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(this.error());
    }, this.ms);
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  error(): HubError {
    return new HubError(`GET ${this.url}: no data for ${this.ms} ms (idle timeout; raise it with { idleTimeoutMs })`, this.url, 0);
  }
}

export interface HubResponse {
  res: Response;
  /** The URL that answered (after redirects). */
  finalUrl: string;
  /** The size announced by the hub (`x-linked-size` on a redirect), else null. */
  linkedSize: number | null;
  /** The SHA-256 the hub announced (`x-linked-etag` of a redirect, or the hub's own `ETag`), else null. */
  sha256: string | null;
  /** The validator for `If-Range` on a later resume: the answering server's strong `ETag`, else null. */
  etag: string | null;
  timer: IdleTimer;
}

export interface RequestOptions {
  /** Ask for the bytes from this offset on (HTTP Range). */
  rangeStart?: number;
  /** With `rangeStart`: the ETag the partial bytes came from; a changed file answers 200 with all of it. */
  ifRange?: string;
}

/**
 * GET `url` with the hub's rules: the token only to the hub origin, redirects followed hop by hop where the
 * environment allows it (Node; browsers follow them themselves and, per the Fetch standard, drop
 * `Authorization` on a cross-origin redirect) so that the hub's `x-linked-size` / `x-linked-etag` on its
 * redirect to the CDN are seen, an idle timeout and one retry on a network error. Non-2xx answers throw a
 * `HubError` (the caller handles 416 itself when resuming).
 */
export async function hubRequest(url: string, options: FetchOptions = {}, request: RequestOptions = {}): Promise<HubResponse> {
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new Error('no fetch() available in this environment');
  const timer = new IdleTimer(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, url);
  const extra: Record<string, string> = {};
  if (request.rangeStart) {
    extra.Range = `bytes=${request.rangeStart}-`;
    if (request.ifRange) extra['If-Range'] = request.ifRange;
  }
  let current = url;
  let linkedSize: number | null = null;
  let sha256: string | null = null;
  let manual = true;
  try {
    for (let hop = 0; hop < 10; hop++) {
      let res: Response | null = null;
      // One retry on a network error (e.g. a pooled keep-alive connection the server had just closed).
      for (let attempt = 0; !res; attempt++) {
        try {
          res = await doFetch(current, { headers: hubHeaders(current, options, extra), redirect: manual ? 'manual' : 'follow', signal: timer.signal });
        } catch (e) {
          if (timer.fired) throw timer.error();
          if (timer.signal.aborted || attempt >= 1) throw new HubError(`GET ${current} failed: ${(e as Error).message}`, current, 0);
        }
      }
      timer.touch();
      if (res.type === 'opaqueredirect') {
        // A browser: redirects cannot be followed by hand; let fetch follow them (it drops the token cross-origin).
        manual = false;
        hop--;
        continue;
      }
      const onHub = isHubOrigin(res.url || current, options);
      const linked = res.headers.get('x-linked-size');
      if (onHub && linked !== null && Number.isFinite(Number(linked))) linkedSize = Number(linked);
      if (onHub) sha256 = announcedSha256(res.headers.get('x-linked-etag')) ?? sha256;
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        current = new URL(res.headers.get('location')!, current).toString();
        continue;
      }
      const finalUrl = res.url || current;
      if (isHubOrigin(finalUrl, options) && sha256 === null) sha256 = announcedSha256(res.headers.get('etag'));
      const etag = res.headers.get('etag');
      if (!res.ok && res.status !== 416) {
        await res.body?.cancel();
        throw new HubError(httpErrorMessage(res.status, res.statusText, url, !!options.token), url, res.status);
      }
      return { res, finalUrl, linkedSize, sha256, etag: etag && !etag.startsWith('W/') ? etag : null, timer };
    }
    throw new HubError(`GET ${url}: too many redirects`, url, 0);
  } catch (e) {
    timer.clear();
    throw e;
  }
}

/** The size a response announces for the whole file: `x-linked-size`, else `Content-Range`'s total, else `Content-Length` (+ the resume offset). */
export function announcedSize(r: HubResponse, offset = 0): number | null {
  if (r.linkedSize !== null) return r.linkedSize;
  const contentRange = r.res.headers.get('content-range');
  const rangeTotal = contentRange ? Number(/\/(\d+)\s*$/.exec(contentRange)?.[1] ?? Number.NaN) : Number.NaN;
  if (Number.isFinite(rangeTotal)) return rangeTotal;
  const contentLength = r.res.headers.get('content-length');
  if (contentLength === null || r.res.headers.get('content-encoding')) return null;
  return Number(contentLength) + (r.res.status === 206 ? offset : 0);
}

/** Throws when the announced size is over the limit for `url` (before reading any body byte). */
export function checkAnnouncedSize(url: string, size: number | null, options: HubOptions): void {
  const { limit, what, option } = byteLimitFor(url, options);
  if (size !== null && size > limit) {
    throw new HubError(`GET ${url}: the server announces ${size} bytes, over the limit of ${limit} bytes for ${what} (raise it with { ${option} })`, url, 0);
  }
}

/** The error for a body that went past the limit for `url`. */
export function overLimitError(url: string, options: HubOptions, suffix = ''): HubError {
  const { limit, what, option } = byteLimitFor(url, options);
  const whose = what === 'a file' ? 'this file' : what;
  return new HubError(`GET ${url}: more than ${limit} bytes, the limit for ${whose} (raise it with { ${option} })${suffix}`, url, 0);
}

/** Lower-case hex of a digest. */
export function toHex(digest: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The whole body of `url` in memory, read as a stream under the size limit (`maxBytes`, `maxJsonBytes` for
 * `.json`) and the idle timeout, checked against the announced size and, when the hub announced one, the SHA-256.
 */
export async function fetchBytes(url: string, options: FetchOptions = {}): Promise<Uint8Array> {
  const r = await hubRequest(url, options);
  const { res, timer } = r;
  try {
    if (!res.ok) {
      await res.body?.cancel();
      throw new HubError(httpErrorMessage(res.status, res.statusText, url, !!options.token), url, res.status);
    }
    const expected = announcedSize(r);
    checkAnnouncedSize(url, expected, options);
    const { limit } = byteLimitFor(url, options);
    const chunks: Uint8Array[] = [];
    let received = 0;
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          timer.touch();
          received += value.length;
          if (received > limit) throw overLimitError(url, options);
          chunks.push(value);
        }
      } catch (e) {
        await reader.cancel().catch(() => {});
        if (e instanceof HubError) throw e;
        if (timer.fired) throw timer.error();
        throw new HubError(`GET ${url}: the transfer failed after ${received} bytes (${(e as Error).message})`, url, 0);
      }
    }
    if (expected !== null && expected !== received) {
      throw new HubError(`GET ${url}: received ${received} bytes but the server announced ${expected}`, url, res.status);
    }
    const bytes = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    if (r.sha256) {
      const actual = toHex(await globalThis.crypto.subtle.digest('SHA-256', bytes));
      if (actual !== r.sha256)
        throw new HubError(`GET ${url}: SHA-256 mismatch: the hub announced ${r.sha256} but the file hashes to ${actual}`, url, res.status);
    }
    return bytes;
  } finally {
    timer.clear();
  }
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
