import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturePath } from '@anydepth/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { type HostTensor, encodeSafetensors, openCheckpoint, openCheckpointBytes, registerCheckpointReader } from '../src/index.js';
import { detectCheckpointFormat } from '../src/internal.js';
import { openCheckpoint as openCheckpointNode, openCheckpointFile } from '../src/node.js';

const own = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const values = (t: HostTensor | undefined) => Array.from(t!.data as ArrayLike<number>, Number);
const dir = mkdtempSync(join(tmpdir(), 'anydepth-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shardA = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: Float32Array.from([1.5, -2]) } }, { note: 'shard a' });
const index = {
  metadata: { total_size: 104 },
  weight_map: { a: 'model-00001-of-00002.safetensors', base: 'model-00002-of-00002.bin', slice: 'model-00002-of-00002.bin' },
};

describe('openCheckpoint: one entry point for every format', () => {
  it('reads a sharded index whose shards mix safetensors and torch zip, from a folder on disk', async () => {
    writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), shardA);
    copyFileSync(own('views.pth'), join(dir, 'model-00002-of-00002.bin'));
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
    const ckpt = await openCheckpointNode(dir);
    expect(ckpt.format).toBe('sharded');
    expect(ckpt.keys()).toEqual(['a', 'base', 'slice']);
    expect(values(ckpt.get('a'))).toEqual([1.5, -2]);
    expect(values(ckpt.get('slice'))).toEqual([8, 9, 10, 14, 15, 16]);
    expect(ckpt.shapeOf('base')).toEqual([4, 6]);
    expect(ckpt.metadata).toEqual({ total_size: '104' });
    expect(ckpt.files.map((f) => f.split('/').pop())).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.bin']);
    ckpt.close();
  });

  it('reads the same index from bytes with its shards given, and from URLs through fetch', async () => {
    const indexBytes = new TextEncoder().encode(JSON.stringify(index));
    const views = readFileSync(own('views.pth'));
    const fromBytes = openCheckpointBytes(indexBytes, { shards: { 'model-00001-of-00002.safetensors': shardA, 'model-00002-of-00002.bin': views } });
    expect(values(fromBytes.get('slice'))).toEqual([8, 9, 10, 14, 15, 16]);
    const served = new Map<string, Uint8Array>([
      ['https://example.test/m/model.safetensors.index.json', indexBytes],
      ['https://example.test/m/model-00001-of-00002.safetensors', shardA],
      ['https://example.test/m/model-00002-of-00002.bin', views],
    ]);
    const requested: string[] = [];
    const fakeFetch = (async (url: string) => {
      requested.push(url);
      const body = served.get(url);
      return body ? new Response(body as unknown as BodyInit) : new Response('nope', { status: 404, statusText: 'Not Found' });
    }) as typeof fetch;
    const remote = await openCheckpoint('https://example.test/m/model.safetensors.index.json', { fetch: fakeFetch });
    expect(remote.keys()).toEqual(['a', 'base', 'slice']);
    expect(values(remote.get('a'))).toEqual([1.5, -2]);
    expect(requested).toEqual([...served.keys()]);
    await expect(openCheckpoint('https://example.test/m/missing.pth', { fetch: fakeFetch })).rejects.toThrow(
      'https://example.test/m/missing.pth: HTTP 404 Not Found',
    );
  });

  it('refuses an index whose shard names leave its folder', () => {
    const evil = new TextEncoder().encode(JSON.stringify({ weight_map: { a: '../../etc/passwd' } }));
    expect(() => openCheckpointBytes(evil, { label: 'model.safetensors.index.json' })).toThrow(
      'model.safetensors.index.json: shard name "../../etc/passwd" is not a plain file name in the index\'s folder',
    );
  });

  it('gives the same tensors for a safetensors file from a path, from a Node Buffer and as a plain Uint8Array', async () => {
    const path = fixturePath('anydepth_official_tiny.safetensors');
    const fromFile = openCheckpointFile(path);
    const buffer = readFileSync(path);
    const fromBuffer = openCheckpointBytes(buffer);
    const fromArray = openCheckpointBytes(new Uint8Array(buffer));
    for (const key of ['0.encoder.backbone.rope_embed.periods', '0.decoder.output_conv.4.bias', '0.decoder.upsample_1.dysample1.2.num_batches_tracked']) {
      const want = fromFile.get(key)!;
      expect(fromBuffer.get(key), key).toEqual(want);
      expect(fromArray.get(key), key).toEqual(want);
    }
    expect(fromFile.dtypeOf('0.decoder.upsample_1.dysample1.2.num_batches_tracked')).toBe('I64');
    expect(fromFile.metadata.format).toBe('pt');
    fromFile.close();
  });

  it('a missing path names the path', () => {
    expect(() => openCheckpointFile(join(dir, 'nope.pth'))).toThrow(`no such file or folder: ${join(dir, 'nope.pth')}`);
  });
});

describe('detectCheckpointFormat', () => {
  it('tells safetensors from an index even when the header length starts with "{", and keeps truncation errors precise', () => {
    // a header of 0x7b + 0x100 = 379 bytes: the first byte of the file is '{'
    const header = `{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`.padEnd(379, ' ');
    const bytes = new Uint8Array(8 + 379 + 1);
    new DataView(bytes.buffer).setUint32(0, 379, true);
    bytes.set(new TextEncoder().encode(header), 8);
    expect(bytes[0]).toBe(0x7b);
    expect(detectCheckpointFormat(bytes.subarray(0, 16), bytes.length)).toBe('safetensors');
    expect(openCheckpointBytes(bytes).get('t')!.shape).toEqual([1]);
    expect(detectCheckpointFormat(new TextEncoder().encode('  {"weight_map": {}}'), 20)).toBe('index-json');
    expect(() => openCheckpointBytes(bytes.subarray(0, 100), { label: 'cut.safetensors' })).toThrow(
      'cut.safetensors: header length 379 exceeds the file size 100',
    );
  });
});

describe('ONNX models (a format read by a registered reader)', () => {
  // ir_version 8, then producer_name: how every exporter starts a ModelProto.
  const onnxBytes = Uint8Array.from([0x08, 0x08, 0x12, 0x04, 0x74, 0x65, 0x73, 0x74]);

  it('are told from their bytes and, without the reader, name the package that reads them', () => {
    expect(detectCheckpointFormat(onnxBytes, onnxBytes.length)).toBe('onnx');
    expect(() => openCheckpointBytes(onnxBytes, { label: 'm.onnx' })).toThrow(
      /m\.onnx: this is an ONNX model; .*registerOnnxCheckpointReader\(\) \(exported by @anydepth\/onnx\)/,
    );
  });

  it('go through the registered reader, which reads files beside a model on disk but none outside its folder', () => {
    const seen: string[] = [];
    registerCheckpointReader('onnx', (input) => {
      seen.push(input.label);
      const beside = input.sibling?.('m.onnx.data');
      if (input.sibling) expect(() => input.sibling!('../escape.data')).toThrow(/leaves its folder/);
      const base = openCheckpointBytes(shardA);
      return {
        ...base,
        keys: () => base.keys(),
        get: (n: string) => base.get(n),
        shapeOf: (n: string) => base.shapeOf(n),
        has: (n: string) => base.has(n),
        dtypeOf: (n: string) => base.dtypeOf(n),
        close: () => {},
        format: 'onnx' as const,
        label: input.label,
        files: [input.label],
        metadata: { beside: String(beside?.length) },
      };
    });
    const sub = mkdtempSync(join(dir, 'onnx-'));
    writeFileSync(join(sub, 'model.onnx'), onnxBytes);
    writeFileSync(join(sub, 'm.onnx.data'), new Uint8Array(12));
    const opened = openCheckpointFile(sub); // a folder holding model.onnx
    expect(opened.format).toBe('onnx');
    expect(opened.metadata.beside).toBe('12');
    expect(values(opened.get('a'))).toEqual([1.5, -2]);
    expect(openCheckpointBytes(onnxBytes, { label: 'mem.onnx' }).format).toBe('onnx');
    expect(seen).toEqual(['model.onnx', 'mem.onnx']);
  });
});
