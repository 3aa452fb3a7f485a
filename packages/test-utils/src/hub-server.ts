import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  bytes: Uint8Array;
  /** Serve through a redirect to /cdn/… carrying `x-linked-size`, like the hub does for LFS files. */
  lfs?: boolean;
  /** Announce this size in `x-linked-size` instead of the true one (size-mismatch tests). */
  linkedSize?: number;
  /** Announce this SHA-256 (hex) instead of the true one (tampered-file tests); LFS files only. */
  sha256?: string;
  /** Send the body at this many bytes per second (idle-timeout tests). */
  bytesPerSecond?: number;
  /** Send an endless chunked body (no content-length) until the client goes away (size-cap tests). */
  endless?: boolean;
  /** Never answer (the request hangs before any header; connect/idle-timeout tests). */
  stall?: boolean;
}

export interface RequestLog {
  /** `hub` for the hub's own origin, `cdn` for the separate CDN origin (`start({ separateCdn: true })`). */
  origin: 'hub' | 'cdn';
  url: string;
  range: string | null;
  ifRange: string | null;
  authorization: string | null;
  status: number;
}

/** The ETag the hub gives a file: the SHA-256 for LFS files, the git blob SHA-1 for the others. */
export function hubEtag(file: ServedFile): string {
  if (file.lfs) return file.sha256 ?? createHash('sha256').update(file.bytes).digest('hex');
  return createHash('sha1').update(`blob ${file.bytes.length}\0`).update(file.bytes).digest('hex');
}

/**
 * A tiny Hugging Face Hub stand-in on 127.0.0.1: `/{owner}/{name}/resolve/{revision}/{file}`,
 * gated repos (401 without `Bearer <token>`), LFS redirects with `x-linked-size` and `x-linked-etag`
 * (the SHA-256) to `/cdn/…` (on a second origin with `start({ separateCdn: true })`, like the real
 * hub's CDN), ETags, HTTP Range requests honouring `If-Range`, a switch that cuts the connection
 * after N bytes of a body, and slow, endless and stalled bodies.
 */
export class HubServer {
  readonly repos = new Map<string, Map<string, ServedFile>>();
  readonly gated = new Map<string, string>(); // repo → required token
  readonly log: RequestLog[] = [];
  /** When set, the next body response is cut after this many bytes (then the switch resets). */
  cutAfter: number | null = null;
  /** When set, served for every path outside the known repos (a hostile server that answers anything). */
  fallback: ServedFile | null = null;
  private server: Server | null = null;
  private cdnServer: Server | null = null;
  url = '';
  /** The origin LFS redirects point to: `url`, or a second port with `start({ separateCdn: true })`. */
  cdnUrl = '';

  addRepo(repo: string, files: Record<string, ServedFile>, token?: string): void {
    this.repos.set(repo, new Map(Object.entries(files)));
    if (token) this.gated.set(repo, token);
  }

  /** Replaces one file of a repo (a file that changed on the hub between two requests). */
  setFile(repo: string, name: string, file: ServedFile): void {
    this.repos.get(repo)!.set(name, file);
  }

  private async listen(origin: 'hub' | 'cdn'): Promise<Server> {
    const server = createServer((req, res) => this.handle(req, res, origin));
    // Long keep-alive: on a loaded machine a pooled connection must not be closed between two tests.
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  async start(options: { separateCdn?: boolean } = {}): Promise<string> {
    this.server = await this.listen('hub');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.cdnUrl = this.url;
    if (options.separateCdn) {
      this.cdnServer = await this.listen('cdn');
      this.cdnUrl = `http://127.0.0.1:${(this.cdnServer.address() as AddressInfo).port}`;
    }
    return this.url;
  }

  async stop(): Promise<void> {
    for (const server of [this.server, this.cdnServer]) {
      if (!server) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  private reply(
    req: IncomingMessage,
    res: ServerResponse,
    origin: 'hub' | 'cdn',
    status: number,
    headers: Record<string, string | number> = {},
    body?: Uint8Array,
    file?: ServedFile,
  ): void {
    const h = req.headers;
    this.log.push({
      origin,
      url: req.url ?? '',
      range: h.range ?? null,
      ifRange: (h['if-range'] as string | undefined) ?? null,
      authorization: h.authorization ?? null,
      status,
    });
    if (file?.endless) return this.endless(res, headers);
    res.writeHead(status, headers);
    if (!body) {
      res.end();
      return;
    }
    if (file?.bytesPerSecond) return this.drip(res, body, file.bytesPerSecond);
    if (this.cutAfter !== null && this.cutAfter < body.length) {
      const n = this.cutAfter;
      this.cutAfter = null;
      res.write(body.subarray(0, n), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(body);
  }

  /** Writes `body` a byte at a time at `bytesPerSecond`, until done or the client goes away. */
  private drip(res: ServerResponse, body: Uint8Array, bytesPerSecond: number): void {
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed || i >= body.length) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(body.subarray(i, ++i));
    }, 1000 / bytesPerSecond);
    res.on('close', () => clearInterval(timer));
  }

  /** An endless chunked body of 64 KiB chunks, written as fast as the client reads, until it goes away. */
  private endless(res: ServerResponse, headers: Record<string, string | number>): void {
    const { 'content-length': _, ...rest } = headers;
    res.writeHead(200, rest);
    const chunk = new Uint8Array(65_536).fill(0x7b);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  }

  private handle(req: IncomingMessage, res: ServerResponse, origin: 'hub' | 'cdn'): void {
    const url = new URL(req.url ?? '/', this.url);
    const cdn = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
    const resolve = origin === 'hub' ? /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname) : null;
    const repo = cdn?.[1] ?? resolve?.[1];
    const fileName = decodeURIComponent(cdn?.[2] ?? resolve?.[3] ?? '');
    const files = repo ? this.repos.get(repo) : undefined;
    const text = (s: string) => new TextEncoder().encode(s);
    if (this.fallback && !files) {
      return this.reply(req, res, origin, 200, { 'content-length': this.fallback.bytes.length }, this.fallback.bytes, this.fallback);
    }
    if (!files) return this.reply(req, res, origin, 404, { 'content-type': 'text/plain' }, text('Repository not found'));
    const token = this.gated.get(repo!);
    if (resolve && token && req.headers.authorization !== `Bearer ${token}`) return this.reply(req, res, origin, 401, {}, text('Unauthorized'));
    const file = files.get(fileName);
    if (!file) return this.reply(req, res, origin, 404, {}, text('Entry not found'));
    if (file.stall) {
      this.log.push({ origin, url: req.url ?? '', range: null, ifRange: null, authorization: req.headers.authorization ?? null, status: 0 });
      return; // never answers
    }
    const etag = `"${hubEtag(file)}"`;
    if (resolve && file.lfs) {
      const location = `${this.cdnUrl === this.url ? '' : this.cdnUrl}/cdn/${repo}/${fileName}`;
      return this.reply(req, res, origin, 302, { location, 'x-linked-size': file.linkedSize ?? file.bytes.length, 'x-linked-etag': etag });
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (ifRange === undefined || ifRange === etag)) {
      const start = Number(range[1]);
      if (start >= file.bytes.length) return this.reply(req, res, origin, 416, { 'content-range': `bytes */${file.bytes.length}`, etag });
      const body = file.bytes.subarray(start);
      const headers = { 'content-length': body.length, 'content-range': `bytes ${start}-${file.bytes.length - 1}/${file.bytes.length}`, etag };
      return this.reply(req, res, origin, 206, headers, body, file);
    }
    return this.reply(req, res, origin, 200, { 'content-length': file.bytes.length, etag }, file.bytes, file);
  }
}
