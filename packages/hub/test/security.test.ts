import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubServer, hubEtag } from '@anydepth/test-utils/hub-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkRepoFileName, fetchBytes, hubFileUrl, shardFilesOf } from '../src/index.js';
import { downloadFile, downloadPretrained, downloadRepoFile, downloadUrl } from '../src/node.js';

const enc = (s: string) => new TextEncoder().encode(s);
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => ((i + seed) * 2654435761) >>> 24);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** Every file under `dir`, relative, so a test can show that nothing was left behind or written elsewhere. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

/** The hub, with LFS files redirected to a CDN on another origin (as huggingface.co does). */
const hub = new HubServer();
/** Some other host a user points a URL at. */
const other = new HubServer();
const weights = bytes(2_500_000, 1);
let work: string;
let cacheDir: string;

beforeAll(async () => {
  await hub.start({ separateCdn: true });
  await other.start();
  hub.addRepo('org/gated', { 'config.json': { bytes: enc('{"a":1}') }, 'model.safetensors': { bytes: weights, lfs: true } }, 'hf_secret');
  other.addRepo('org/raw', { 'config.json': { bytes: enc('{"a":1}') }, 'weights.safetensors': { bytes: bytes(1000, 2) } });
});
afterAll(async () => {
  await hub.stop();
  await other.stop();
});
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'anydepth-hubsec-'));
  cacheDir = join(work, 'cache');
  hub.log.length = 0;
  other.log.length = 0;
  delete process.env.HF_TOKEN;
});

describe('the token goes to the configured hub origin only', () => {
  it('downloadUrl of another host sends no Authorization (token option, HF_TOKEN, default endpoint and a configured one)', async () => {
    const url = `${other.url}/org/raw/resolve/main/weights.safetensors`;
    await downloadUrl(url, { cacheDir, token: 'hf_secret', endpoint: hub.url });
    process.env.HF_TOKEN = 'hf_env';
    await downloadUrl(url, { cacheDir, force: true });
    expect(other.log.map((l) => [l.url, l.status, l.authorization])).toEqual([
      ['/org/raw/resolve/main/config.json', 200, null],
      ['/org/raw/resolve/main/weights.safetensors', 200, null],
      ['/org/raw/resolve/main/config.json', 200, null],
      ['/org/raw/resolve/main/weights.safetensors', 200, null],
    ]);
  });

  it('a URL on the hub origin gets the token (the hub itself)', async () => {
    const path = await downloadUrl(hubFileUrl('org/gated', 'model.safetensors', { endpoint: hub.url }), { cacheDir, token: 'hf_secret', endpoint: hub.url });
    expect(sha256(readFileSync(path))).toBe(sha256(weights));
    expect(hub.log.filter((l) => l.origin === 'hub').every((l) => l.authorization === 'Bearer hf_secret')).toBe(true);
  });

  it('Node download: the LFS redirect to the CDN origin carries no token', async () => {
    await downloadPretrained('org/gated', { endpoint: hub.url, cacheDir, token: 'hf_secret' });
    expect(hub.log.map((l) => [l.origin, l.url, l.status, l.authorization])).toEqual([
      ['hub', '/org/gated/resolve/main/config.json', 200, 'Bearer hf_secret'],
      ['hub', '/org/gated/resolve/main/model.safetensors', 302, 'Bearer hf_secret'],
      ['cdn', '/cdn/org/gated/model.safetensors', 200, null],
    ]);
  });

  it('in-memory fetch: the LFS redirect to the CDN origin carries no token; another host gets none', async () => {
    const got = await fetchBytes(hubFileUrl('org/gated', 'model.safetensors', { endpoint: hub.url }), { endpoint: hub.url, token: 'hf_secret' });
    expect(sha256(got)).toBe(sha256(weights));
    expect(hub.log.map((l) => [l.origin, l.status, l.authorization])).toEqual([
      ['hub', 302, 'Bearer hf_secret'],
      ['cdn', 200, null],
    ]);
    await fetchBytes(`${other.url}/org/raw/resolve/main/config.json`, { token: 'hf_secret' });
    expect(other.log.map((l) => l.authorization)).toEqual([null]);
  });
});

describe('file names from the hub are validated', () => {
  it('checkRepoFileName refuses traversal, absolute paths, backslashes and empty segments', () => {
    expect(checkRepoFileName('model-00001-of-00002.safetensors')).toBe('model-00001-of-00002.safetensors');
    expect(checkRepoFileName('sub/dir/model.safetensors')).toBe('sub/dir/model.safetensors');
    const bad: [string, RegExp][] = [
      ['../x.safetensors', /'\.\.' segment/],
      ['a/../../x', /'\.\.' segment/],
      ['/etc/passwd', /absolute/],
      ['C:/x', /absolute/],
      ['a\\..\\x', /backslash/],
      ['a//b', /empty segment/],
      ['a/', /empty segment/],
      ['', /empty/],
      ['a/./b', /'\.' segment/],
      ['a\0b', /control character/],
    ];
    for (const [name, why] of bad) expect(() => checkRepoFileName(name), name).toThrow(why);
    expect(() => shardFilesOf('{"weight_map":{"a":"../../x.safetensors"}}')).toThrow(
      "shard index: unsafe file name '../../x.safetensors' in weight_map: a '..' segment",
    );
  });

  it('a hostile weight_map naming ../../../escape/x.safetensors writes nothing outside the cache and requests nothing', async () => {
    const evil = new HubServer();
    await evil.start();
    try {
      const name = '../../../escape/x.safetensors';
      // A hostile server that serves the index and answers any other path with bytes.
      evil.addRepo('org/evil', { 'model.safetensors.index.json': { bytes: enc(JSON.stringify({ weight_map: { w: name } })) } });
      evil.fallback = { bytes: enc('pwned') };
      await expect(downloadPretrained('org/evil', { endpoint: evil.url, cacheDir })).rejects.toThrow(
        `shard index: unsafe file name '${name}' in weight_map: a '..' segment`,
      );
      expect(filesUnder(work)).toEqual(['cache/models--org--evil/main/model.safetensors.index.json']);
      expect(evil.log.map((l) => l.url)).toEqual([
        '/org/evil/resolve/main/config.json',
        '/org/evil/resolve/main/model.safetensors',
        '/org/evil/resolve/main/model.safetensors.index.json',
      ]);
    } finally {
      await evil.stop();
    }
  });

  it('file names, revisions and repo ids given to the cache are checked too', async () => {
    await expect(downloadRepoFile('org/gated', '../../x.json', { endpoint: hub.url, cacheDir })).rejects.toThrow(/unsafe file name '\.\.\/\.\.\/x\.json'/);
    await expect(downloadRepoFile('org/gated', 'config.json', { endpoint: hub.url, cacheDir, revision: '../../../x' })).rejects.toThrow(
      /unsafe revision '\.\.\/\.\.\/\.\.\/x'/,
    );
    await expect(downloadRepoFile('../x', 'config.json', { endpoint: hub.url, cacheDir })).rejects.toThrow(/not a Hugging Face repo id: '\.\.\/x'/);
    expect(() => hubFileUrl('org/gated', '../other/x', { endpoint: hub.url })).toThrow(/unsafe file name/);
    expect(hub.log).toHaveLength(0);
    expect(filesUnder(work)).toEqual([]);
  });
});

describe('timeouts and size caps', () => {
  it('a 1-byte/s body fails after the idle timeout (Node download and in-memory fetch)', async () => {
    hub.addRepo('org/slow', { 'model.safetensors': { bytes: bytes(6, 3), bytesPerSecond: 1 } });
    const url = hubFileUrl('org/slow', 'model.safetensors', { endpoint: hub.url });
    let t = Date.now();
    await expect(downloadFile(url, join(cacheDir, 'slow.safetensors'), { endpoint: hub.url, idleTimeoutMs: 400 })).rejects.toThrow(
      `GET ${url}: no data for 400 ms (idle timeout; raise it with { idleTimeoutMs })`,
    );
    expect(Date.now() - t).toBeLessThan(3000);
    t = Date.now();
    await expect(fetchBytes(url, { endpoint: hub.url, idleTimeoutMs: 400 })).rejects.toThrow(`GET ${url}: no data for 400 ms (idle timeout`);
    expect(Date.now() - t).toBeLessThan(3000);
  }, 20_000);

  it('a server that never answers fails after the idle timeout', async () => {
    hub.addRepo('org/stall', { 'config.json': { bytes: enc('{}'), stall: true } });
    const url = hubFileUrl('org/stall', 'config.json', { endpoint: hub.url });
    await expect(downloadRepoFile('org/stall', 'config.json', { endpoint: hub.url, cacheDir, idleTimeoutMs: 300 })).rejects.toThrow(
      `GET ${url}: no data for 300 ms (idle timeout`,
    );
    await expect(fetchBytes(url, { idleTimeoutMs: 300 })).rejects.toThrow(`GET ${url}: no data for 300 ms (idle timeout`);
    expect(filesUnder(work)).toEqual([]);
  }, 20_000);

  it('a 200 MB config.json is refused from its announced size, before reading it', async () => {
    hub.addRepo('org/huge-config', { 'config.json': { bytes: new Uint8Array(200_000_000) } });
    const url = hubFileUrl('org/huge-config', 'config.json', { endpoint: hub.url });
    const why = `GET ${url}: the server announces 200000000 bytes, over the limit of 16777216 bytes for JSON files (raise it with { maxJsonBytes })`;
    await expect(downloadRepoFile('org/huge-config', 'config.json', { endpoint: hub.url, cacheDir })).rejects.toThrow(why);
    await expect(fetchBytes(url)).rejects.toThrow(why);
    expect(filesUnder(work)).toEqual([]);
  });

  it('an endless chunked body is stopped at the cap and nothing is kept (Node download and in-memory fetch)', async () => {
    hub.addRepo('org/endless', {
      'model.safetensors': { bytes: new Uint8Array(0), endless: true },
      'config.json': { bytes: new Uint8Array(0), endless: true },
    });
    const url = hubFileUrl('org/endless', 'model.safetensors', { endpoint: hub.url });
    await expect(downloadRepoFile('org/endless', 'model.safetensors', { endpoint: hub.url, cacheDir, maxBytes: 3_000_000 })).rejects.toThrow(
      `GET ${url}: more than 3000000 bytes, the limit for this file (raise it with { maxBytes }); the partial file was deleted`,
    );
    await expect(fetchBytes(url, { maxBytes: 3_000_000 })).rejects.toThrow(
      `GET ${url}: more than 3000000 bytes, the limit for this file (raise it with { maxBytes })`,
    );
    const configUrl = hubFileUrl('org/endless', 'config.json', { endpoint: hub.url });
    await expect(fetchBytes(configUrl)).rejects.toThrow(
      `GET ${configUrl}: more than 16777216 bytes, the limit for JSON files (raise it with { maxJsonBytes })`,
    );
    expect(filesUnder(work)).toEqual([]);
  });

  it('maxBytes can be raised', async () => {
    const url = hubFileUrl('org/gated', 'model.safetensors', { endpoint: hub.url });
    const opts = { endpoint: hub.url, token: 'hf_secret' };
    await expect(fetchBytes(url, { ...opts, maxBytes: 1_000_000 })).rejects.toThrow(
      /announces 2500000 bytes, over the limit of 1000000 bytes for a file \(raise it with \{ maxBytes \}\)/,
    );
    expect(sha256(await fetchBytes(url, { ...opts, maxBytes: 3_000_000 }))).toBe(sha256(weights));
  });
});

describe('integrity: SHA-256 from the hub and If-Range resume', () => {
  it('a tampered LFS file of the right size is rejected and removed (Node download and in-memory fetch)', async () => {
    const tampered = weights.slice();
    tampered[1_234_567] ^= 1;
    hub.addRepo('org/tampered', { 'model.safetensors': { bytes: tampered, lfs: true, sha256: sha256(weights) } });
    const url = hubFileUrl('org/tampered', 'model.safetensors', { endpoint: hub.url });
    const why = `GET ${url}: SHA-256 mismatch: the hub announced ${sha256(weights)} but the file hashes to ${sha256(tampered)}`;
    await expect(downloadPretrained('org/tampered', { endpoint: hub.url, cacheDir })).rejects.toThrow(`${why}; the file was deleted`);
    expect(filesUnder(work)).toEqual([]);
    await expect(fetchBytes(url, { endpoint: hub.url })).rejects.toThrow(why);
  });

  it('a resume after the remote file changed restarts (If-Range) instead of splicing two versions', async () => {
    const v1 = bytes(2_500_000, 7);
    const v2 = bytes(2_500_000, 8);
    hub.addRepo('org/changing', { 'model.safetensors': { bytes: v1, lfs: true } });
    const url = hubFileUrl('org/changing', 'model.safetensors', { endpoint: hub.url });
    const dest = join(cacheDir, 'changing', 'model.safetensors');
    hub.cutAfter = 1_000_000;
    await expect(downloadFile(url, dest, { endpoint: hub.url })).rejects.toThrow(/interrupted after \d+ of 2500000 bytes.*resumes it/);
    hub.setFile('org/changing', 'model.safetensors', { bytes: v2, lfs: true });
    hub.log.length = 0;
    const result = await downloadFile(url, dest, { endpoint: hub.url });
    expect(result).toMatchObject({ downloaded: true, resumedFrom: 0, size: v2.length });
    expect(sha256(readFileSync(dest))).toBe(sha256(v2));
    const cdn = hub.log.filter((l) => l.origin === 'cdn');
    expect(cdn.at(-1)).toMatchObject({ status: 200 });
    expect(filesUnder(cacheDir)).toEqual(['changing/model.safetensors']);
  });

  it('a plain file (no SHA-256 announced) that changed before a resume is sent whole (If-Range mismatch) and rewritten', async () => {
    const v1 = bytes(2_500_000, 9);
    const v2 = bytes(2_500_000, 10);
    other.addRepo('org/plain', { 'data.bin': { bytes: v1 } });
    const url = `${other.url}/org/plain/resolve/main/data.bin`;
    const dest = join(cacheDir, 'plain', 'data.bin');
    other.cutAfter = 1_000_000;
    await expect(downloadFile(url, dest, {})).rejects.toThrow(/interrupted after \d+ of 2500000 bytes.*is kept and the next call resumes it/);
    const partial = readFileSync(`${dest}.part`).length;
    other.setFile('org/plain', 'data.bin', { bytes: v2 });
    other.log.length = 0;
    const result = await downloadFile(url, dest, {});
    expect(other.log.map((l) => [l.range, l.ifRange, l.status])).toEqual([[`bytes=${partial}-`, `"${hubEtag({ bytes: v1 })}"`, 200]]);
    expect(result).toMatchObject({ downloaded: true, resumedFrom: 0, size: v2.length });
    expect(sha256(readFileSync(dest))).toBe(sha256(v2));
    expect(filesUnder(cacheDir)).toEqual(['plain/data.bin']);
  });

  it('a resume of an unchanged file sends If-Range with the ETag and completes verified', async () => {
    hub.addRepo('org/same', { 'model.safetensors': { bytes: weights, lfs: true } });
    const url = hubFileUrl('org/same', 'model.safetensors', { endpoint: hub.url });
    const dest = join(cacheDir, 'same', 'model.safetensors');
    hub.cutAfter = 1_000_000;
    await expect(downloadFile(url, dest, { endpoint: hub.url })).rejects.toThrow(/resumes it/);
    hub.log.length = 0;
    const result = await downloadFile(url, dest, { endpoint: hub.url });
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(hub.log.at(-1)).toMatchObject({ origin: 'cdn', status: 206, ifRange: `"${sha256(weights)}"`, range: `bytes=${result.resumedFrom}-` });
    expect(sha256(readFileSync(dest))).toBe(sha256(weights));
    expect(filesUnder(cacheDir)).toEqual(['same/model.safetensors']);
  });

  it('a partial file without a recorded ETag is not spliced: the download restarts', async () => {
    hub.addRepo('org/old-part', { 'model.safetensors': { bytes: weights, lfs: true } });
    const url = hubFileUrl('org/old-part', 'model.safetensors', { endpoint: hub.url });
    const dest = join(cacheDir, 'old', 'model.safetensors');
    mkdirSync(join(cacheDir, 'old'), { recursive: true });
    writeFileSync(`${dest}.part`, bytes(1000, 99));
    const result = await downloadFile(url, dest, { endpoint: hub.url });
    expect(result.resumedFrom).toBe(0);
    expect(hub.log.every((l) => l.range === null)).toBe(true);
    expect(sha256(readFileSync(dest))).toBe(sha256(weights));
  });
});
