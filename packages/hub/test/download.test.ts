import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubServer } from '@anydepth/test-utils/hub-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchBytes, fetchOptionalBytes, hubFileUrl, isRepoId, shardFilesOf } from '../src/index.js';
import { downloadFile, downloadPretrained, downloadRepoFile } from '../src/node.js';

const enc = (s: string) => new TextEncoder().encode(s);
/** 2.5 MB of non-repeating bytes, so a cut and a resume at the wrong offset both show. */
const payload = Uint8Array.from({ length: 2_500_000 }, (_, i) => (i * 2654435761) >>> 24);

const server = new HubServer();
let cacheDir: string;

beforeAll(async () => {
  await server.start();
  server.addRepo('org/blob', { 'model.safetensors': { bytes: payload, lfs: true }, 'config.json': { bytes: enc('{"a":1}') } });
  server.addRepo('org/sharded', {
    'model.safetensors.index.json': { bytes: enc(JSON.stringify({ weight_map: { a: 'one.safetensors', b: 'two.safetensors', c: 'one.safetensors' } })) },
    'one.safetensors': { bytes: enc('1') },
    'two.safetensors': { bytes: enc('22') },
  });
  server.addRepo('org/bad-size', { 'model.safetensors': { bytes: payload, lfs: true, linkedSize: payload.length + 1000 } });
});
afterAll(() => server.stop());
beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'anydepth-hub-'));
  server.log.length = 0;
});

describe('hub ids and URLs', () => {
  it('tells repo ids from paths and files', () => {
    expect(isRepoId('facebook/dinov3-vits16-pretrain-lvd1689m')).toBe(true);
    expect(isRepoId('./x/y')).toBe(false);
    expect(isRepoId('dir/model.safetensors')).toBe(false);
    expect(hubFileUrl('o/n', 'sub dir/f.json', { endpoint: 'https://h.example/', revision: 'v 1' })).toBe(
      'https://h.example/o/n/resolve/v%201/sub%20dir/f.json',
    );
  });
  it('lists the distinct shards of an index', () => {
    expect(shardFilesOf('{"weight_map":{"a":"x","b":"y","c":"x"}}')).toEqual(['x', 'y']);
    expect(() => shardFilesOf('{}')).toThrow(/no weight_map/);
  });
});

describe('downloads (Node) against a local hub server', () => {
  it('resumes an interrupted download with a Range request', async () => {
    const url = hubFileUrl('org/blob', 'model.safetensors', { endpoint: server.url });
    const dest = join(cacheDir, 'resume', 'model.safetensors');
    server.cutAfter = 1_000_000;
    await expect(downloadFile(url, dest, {})).rejects.toThrow(/interrupted after \d+ of \d+ bytes.*resumes it/);
    expect(existsSync(dest)).toBe(false);
    const partial = statSync(`${dest}.part`).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(payload.length);
    server.log.length = 0;
    const result = await downloadFile(url, dest, {});
    expect(result).toMatchObject({ downloaded: true, resumedFrom: partial, size: payload.length });
    expect(server.log.at(-1)).toMatchObject({ range: `bytes=${partial}-`, status: 206 });
    expect(Buffer.compare(readFileSync(dest), Buffer.from(payload))).toBe(0);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('snapshots a sharded repo (each shard once) and a single file', async () => {
    const dir = await downloadPretrained('org/sharded', { endpoint: server.url, cacheDir });
    expect(readFileSync(join(dir, 'two.safetensors'), 'utf8')).toBe('22');
    expect(server.log.filter((l) => l.url.endsWith('one.safetensors'))).toHaveLength(1);
    const file = await downloadRepoFile('org/blob', 'config.json', { endpoint: server.url, cacheDir });
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}');
  });

  it('a size mismatch against x-linked-size fails and keeps nothing in the cache', async () => {
    await expect(downloadPretrained('org/bad-size', { endpoint: server.url, cacheDir })).rejects.toThrow(/size mismatch: received \d+ bytes but expected \d+/);
    expect(existsSync(join(cacheDir, 'models--org--bad-size', 'main', 'model.safetensors'))).toBe(false);
  });
});

describe('in-memory fetch', () => {
  it('fetches bytes, and gives null for a missing optional file', async () => {
    // Buffer.compare: a deep toEqual of 2.5 MB takes vitest ~50 s.
    expect(Buffer.compare(await fetchBytes(hubFileUrl('org/blob', 'model.safetensors', { endpoint: server.url })), payload)).toBe(0);
    expect(await fetchOptionalBytes(hubFileUrl('org/blob', 'nope.json', { endpoint: server.url }))).toBeNull();
    await expect(fetchBytes(hubFileUrl('org/nope', 'x.json', { endpoint: server.url }))).rejects.toThrow(/HTTP 404.*no such repo/);
  });
});
