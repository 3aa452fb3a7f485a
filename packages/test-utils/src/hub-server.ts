import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  bytes: Uint8Array;
  /** Serve through a redirect to /cdn/… carrying `x-linked-size`, like the hub does for LFS files. */
  lfs?: boolean;
  /** Announce this size in `x-linked-size` instead of the true one (size-mismatch tests). */
  linkedSize?: number;
}

export interface RequestLog {
  url: string;
  range: string | null;
  authorization: string | null;
  status: number;
}

/**
 * A tiny Hugging Face Hub stand-in on 127.0.0.1: `/{owner}/{name}/resolve/{revision}/{file}`,
 * gated repos (401 without `Bearer <token>`), LFS redirects with `x-linked-size`, HTTP Range
 * requests, and a switch that cuts the connection after N bytes of a body.
 */
export class HubServer {
  readonly repos = new Map<string, Map<string, ServedFile>>();
  readonly gated = new Map<string, string>(); // repo → required token
  readonly log: RequestLog[] = [];
  /** When set, the next body response is cut after this many bytes (then the switch resets). */
  cutAfter: number | null = null;
  private server: Server | null = null;
  url = '';

  addRepo(repo: string, files: Record<string, ServedFile>, token?: string): void {
    this.repos.set(repo, new Map(Object.entries(files)));
    if (token) this.gated.set(repo, token);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    // Long keep-alive: on a loaded machine a pooled connection must not be closed between two tests.
    this.server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private reply(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: Uint8Array): void {
    this.log.push({ url: req.url ?? '', range: req.headers.range ?? null, authorization: req.headers.authorization ?? null, status });
    res.writeHead(status, headers);
    if (!body) {
      res.end();
      return;
    }
    if (this.cutAfter !== null && this.cutAfter < body.length) {
      const n = this.cutAfter;
      this.cutAfter = null;
      res.write(body.subarray(0, n), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(body);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const cdn = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = cdn?.[1] ?? resolve?.[1];
    const fileName = decodeURIComponent(cdn?.[2] ?? resolve?.[3] ?? '');
    const files = repo ? this.repos.get(repo) : undefined;
    if (!files) return this.reply(req, res, 404, { 'content-type': 'text/plain' }, new TextEncoder().encode('Repository not found'));
    const token = this.gated.get(repo!);
    if (resolve && token && req.headers.authorization !== `Bearer ${token}`) return this.reply(req, res, 401, {}, new TextEncoder().encode('Unauthorized'));
    const file = files.get(fileName);
    if (!file) return this.reply(req, res, 404, {}, new TextEncoder().encode('Entry not found'));
    if (resolve && file.lfs) {
      return this.reply(req, res, 302, { location: `/cdn/${repo}/${fileName}`, 'x-linked-size': file.linkedSize ?? file.bytes.length });
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      if (start >= file.bytes.length) return this.reply(req, res, 416, { 'content-range': `bytes */${file.bytes.length}` });
      const body = file.bytes.subarray(start);
      return this.reply(req, res, 206, { 'content-length': body.length, 'content-range': `bytes ${start}-${file.bytes.length - 1}/${file.bytes.length}` }, body);
    }
    return this.reply(req, res, 200, { 'content-length': file.bytes.length }, file.bytes);
  }
}
