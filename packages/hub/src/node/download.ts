import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type HubResponse, announcedSize, checkAnnouncedSize, hubRequest, overLimitError } from '../fetch.js';
import { HubError, type HubOptions, byteLimitFor, httpErrorMessage } from '../hub.js';

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

/** What `{dest}.part.json` records about the bytes in `{dest}.part`, so that a resume can be checked. */
interface PartRecord {
  url: string;
  /** The server's strong ETag for those bytes, sent back as `If-Range`. */
  etag: string;
  /** The SHA-256 the hub announced for the file, when it did. */
  sha256: string | null;
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

function readRecord(path: string, url: string): PartRecord | null {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as PartRecord;
    return r.url === url && typeof r.etag === 'string' ? r : null;
  } catch {
    return null;
  }
}

async function hashFile(path: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/**
 * Downloads `url` to `dest`: the bytes go to `dest.part`, which is renamed once complete, of the announced size
 * (`x-linked-size`, else `Content-Range` / `Content-Length`) and, when the hub announced one (`x-linked-etag` /
 * `ETag` of LFS files), of the announced SHA-256. Files over `maxBytes` (`maxJsonBytes` for `.json`) are refused,
 * from the announced size when there is one, else when the body passes the limit; a request fails after
 * `idleTimeoutMs` without data.
 *
 * An interrupted transfer keeps `dest.part` only when it can be resumed safely: the server sent a strong ETag,
 * recorded in `dest.part.json`. The next call resumes it with `Range` + `If-Range: <ETag>`, so a file that
 * changed meanwhile is sent whole and rewritten instead of spliced; a changed SHA-256 from the hub restarts too.
 * A cached `dest` is returned without any request unless `force`.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  if (!options.force && existsSync(dest)) return { path: dest, downloaded: false, resumedFrom: 0, size: sizeOf(dest) };
  // Not core's writeFileAtomic, on purpose: the partial file must outlive a failed run (it is resumed), it is streamed
  // and hashed as it arrives, and hub has no @anydepth dependency. It becomes `dest` by the same rename.
  const part = `${dest}.part`;
  const recordPath = `${dest}.part.json`;
  const discard = () => {
    rmSync(part, { force: true });
    rmSync(recordPath, { force: true });
  };
  let record = readRecord(recordPath, url);
  let offset = record ? sizeOf(part) : 0;
  if (offset === 0) discard(); // nothing to resume, or bytes we cannot check: start over

  let r: HubResponse = await hubRequest(url, options, offset > 0 ? { rangeStart: offset, ifRange: record!.etag } : {});
  const changed = offset > 0 && record!.sha256 !== null && r.sha256 !== null && r.sha256 !== record!.sha256;
  if (offset > 0 && (r.res.status === 416 || changed)) {
    // Past the end (complete or stale), or the hub now announces another file: start over.
    r.timer.clear();
    await r.res.body?.cancel();
    discard();
    offset = 0;
    r = await hubRequest(url, options);
  }
  const { res, timer } = r;
  try {
    if (!res.ok) {
      await res.body?.cancel();
      throw new HubError(httpErrorMessage(res.status, res.statusText, url, !!options.token), url, res.status);
    }
    const resumed = res.status === 206 && offset > 0;
    if (!resumed) offset = 0; // the server ignored the range, or If-Range found the file changed: rewrite from the start
    const contentRange = res.headers.get('content-range');
    if (resumed && contentRange) {
      const start = Number(/bytes\s+(\d+)-/.exec(contentRange)?.[1] ?? Number.NaN);
      if (start !== offset) {
        await res.body?.cancel();
        throw new HubError(`GET ${url}: asked to resume at byte ${offset} but the server sent ${contentRange}`, url, res.status);
      }
    }
    const total = announcedSize(r, offset);
    try {
      checkAnnouncedSize(url, total, options);
    } catch (e) {
      await res.body?.cancel();
      discard();
      throw e;
    }
    const { limit } = byteLimitFor(url, options);
    mkdirSync(dirname(dest), { recursive: true });
    const hash = createHash('sha256');
    if (resumed) await hashFile(part, hash);
    else {
      discard();
      record = r.etag ? { url, etag: r.etag, sha256: r.sha256 } : null;
      if (record) writeFileSync(recordPath, JSON.stringify(record));
    }

    const file = await open(part, resumed ? 'a' : 'w');
    let received = offset;
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          timer.touch();
          received += chunk.length;
          if (received > limit) throw overLimitError(url, options, '; the partial file was deleted');
          await file.write(chunk);
          hash.update(chunk);
          options.onProgress?.(received, total);
          if (total !== null && received > total) break;
        }
      }
      await file.sync();
    } catch (e) {
      await file.close();
      await res.body?.cancel().catch(() => {});
      if (e instanceof HubError) {
        discard();
        throw e;
      }
      const why = timer.fired
        ? timer.error().message
        : `GET ${url}: the transfer was interrupted after ${received} of ${total ?? '?'} bytes (${(e as Error).message})`;
      if (record) throw new HubError(`${why}; the partial file ${part} is kept and the next call resumes it`, url, 0);
      discard();
      throw new HubError(`${why}; the server sent no ETag to resume against, so the partial file was deleted`, url, 0);
    }
    await file.close();
    if (total !== null && received !== total) {
      if (received > total || !record) {
        discard();
        throw new HubError(`GET ${url}: size mismatch: received ${received} bytes but expected ${total}; the partial file was deleted`, url, res.status);
      }
      throw new HubError(
        `GET ${url}: size mismatch: received ${received} bytes but expected ${total}; the partial file ${part} is kept and the next call resumes it`,
        url,
        res.status,
      );
    }
    const actual = hash.digest('hex');
    if (r.sha256 && actual !== r.sha256) {
      discard();
      throw new HubError(`GET ${url}: SHA-256 mismatch: the hub announced ${r.sha256} but the file hashes to ${actual}; the file was deleted`, url, res.status);
    }
    renameSync(part, dest);
    rmSync(recordPath, { force: true });
    return { path: dest, downloaded: true, resumedFrom: offset, size: received };
  } finally {
    timer.clear();
  }
}
