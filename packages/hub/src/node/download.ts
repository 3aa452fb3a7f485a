import { existsSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HubError, type HubOptions, hubHeaders, httpErrorMessage } from '../hub.js';

export interface DownloadOptions extends HubOptions {
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Download again even when the file is cached. */
  force?: boolean;
  /** Called as bytes arrive. */
  onProgress?: (received: number, total: number | null) => void;
}

export interface DownloadResult {
  path: string;
  /** False when the file was already in the cache. */
  downloaded: boolean;
  /** Bytes the transfer resumed from (0 = from the start). */
  resumedFrom: number;
  size: number;
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/**
 * Follows redirects by hand so that `x-linked-size` (sent by the hub on the redirect to its CDN)
 * can be read and the token is sent to the hub's own origin only.
 */
async function request(url: string, options: DownloadOptions, range: number): Promise<{ res: Response; linkedSize: number | null; finalUrl: string }> {
  const doFetch = options.fetch ?? globalThis.fetch;
  let current = url;
  let linkedSize: number | null = null;
  for (let hop = 0; hop < 10; hop++) {
    let res: Response | null = null;
    // One retry on a network error (e.g. a pooled keep-alive connection the server had just closed).
    for (let attempt = 0; !res; attempt++) {
      try {
        res = await doFetch(current, { headers: hubHeaders(current, options, range > 0 ? { Range: `bytes=${range}-` } : {}), redirect: 'manual' });
      } catch (e) {
        if (attempt >= 1) throw new HubError(`GET ${current} failed: ${(e as Error).message}`, current, 0);
      }
    }
    const linked = res.headers.get('x-linked-size');
    if (linked !== null && Number.isFinite(Number(linked))) linkedSize = Number(linked);
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      current = new URL(res.headers.get('location')!, current).toString();
      continue;
    }
    return { res, linkedSize, finalUrl: current };
  }
  throw new HubError(`GET ${url}: too many redirects`, url, 0);
}

/**
 * Downloads `url` to `dest`: the bytes go to `dest.part`, which is renamed once complete and of
 * the announced size (`x-linked-size`, else `Content-Range` / `Content-Length`). An interrupted
 * transfer leaves the `.part` file, and the next call resumes it with an HTTP Range request.
 * A cached `dest` is returned without any request unless `force`.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  if (!options.force && existsSync(dest)) return { path: dest, downloaded: false, resumedFrom: 0, size: sizeOf(dest) };
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let offset = sizeOf(part);
  let { res, linkedSize } = await request(url, options, offset);
  if (res.status === 416 && offset > 0) {
    // The range starts at or past the end: the .part is complete or stale; start over.
    await res.body?.cancel();
    unlinkSync(part);
    offset = 0;
    ({ res, linkedSize } = await request(url, options, 0));
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new HubError(httpErrorMessage(res.status, res.statusText, url, !!options.token), url, res.status);
  }
  const resumed = res.status === 206 && offset > 0;
  if (!resumed) offset = 0; // the server ignored the range: rewrite from the start
  const contentLength = res.headers.get('content-length');
  const contentRange = res.headers.get('content-range');
  const rangeTotal = contentRange ? Number(/\/(\d+)\s*$/.exec(contentRange)?.[1] ?? NaN) : NaN;
  if (resumed && contentRange) {
    const start = Number(/bytes\s+(\d+)-/.exec(contentRange)?.[1] ?? NaN);
    if (start !== offset) {
      await res.body?.cancel();
      throw new HubError(`GET ${url}: asked to resume at byte ${offset} but the server sent ${contentRange}`, url, res.status);
    }
  }
  const total =
    linkedSize ?? (Number.isFinite(rangeTotal) ? rangeTotal : contentLength !== null ? Number(contentLength) + (resumed ? offset : 0) : null);

  const file = await open(part, resumed ? 'a' : 'w');
  let received = offset;
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await file.write(chunk);
        received += chunk.length;
        options.onProgress?.(received, total);
        if (total !== null && received > total) break;
      }
    }
  } catch (e) {
    await file.close();
    throw new HubError(
      `GET ${url}: the transfer was interrupted after ${received} of ${total ?? '?'} bytes (${(e as Error).message}); ` +
        `the partial file ${part} is kept and the next call resumes it`,
      url,
      0,
    );
  }
  await file.sync();
  await file.close();
  if (total !== null && received !== total) {
    if (received > total) {
      unlinkSync(part);
      throw new HubError(`GET ${url}: size mismatch: received ${received} bytes but expected ${total}; the partial file was deleted`, url, res.status);
    }
    throw new HubError(
      `GET ${url}: size mismatch: received ${received} bytes but expected ${total}; the partial file ${part} is kept and the next call resumes it`,
      url,
      res.status,
    );
  }
  renameSync(part, dest);
  return { path: dest, downloaded: true, resumedFrom: resumed ? offset : 0, size: received };
}
