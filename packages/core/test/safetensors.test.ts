import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fixturePath, setBackend, sharedPath } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type HostTensor,
  type SafetensorsDType,
  SafetensorsError,
  SafetensorsFile,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
} from '../src/index.js';
import { bf16ToFloat, floatToBf16, floatToHalf, halfToFloat } from '../src/internal.js';
import { openSafetensors, writeFileAtomic } from '../src/node.js';

beforeAll(() => setBackend('cpu'));

/** An independent reader: DataView-based, element by element, sharing no code with the library. */
function independentDecode(bytes: Uint8Array): Map<string, { dtype: string; shape: number[]; values: number[] }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  const base = 8 + n;
  const out = new Map();
  for (const [name, info] of Object.entries<any>(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = info.data_offsets;
    const values: number[] = [];
    const size = { F32: 4, I32: 4, U8: 1, F16: 2, BF16: 2, F64: 8, I64: 8, I16: 2, BOOL: 1, I8: 1 }[info.dtype as string]!;
    for (let off = base + b; off < base + e; off += size) {
      switch (info.dtype) {
        case 'F32':
          values.push(view.getFloat32(off, true));
          break;
        case 'I32':
          values.push(view.getInt32(off, true));
          break;
        case 'U8':
          values.push(view.getUint8(off));
          break;
        case 'F64':
          values.push(view.getFloat64(off, true));
          break;
        case 'I64':
          values.push(Number(view.getBigInt64(off, true)));
          break;
        default:
          throw new Error(`independent decoder: dtype ${info.dtype} not expected in fixtures`);
      }
    }
    out.set(name, { dtype: info.dtype, shape: info.shape, values });
  }
  return out;
}

describe('safetensors', () => {
  it('round-trips every dtype', () => {
    const tensors: Record<string, HostTensor> = {
      f64: { dtype: 'F64', shape: [3], data: new Float64Array([1.5, -2.25, 1e300]) },
      f32: { dtype: 'F32', shape: [2, 2], data: new Float32Array([0.1, -3, Infinity, NaN]) },
      f16: { dtype: 'F16', shape: [4], data: new Float32Array([1, -2.5, 65504, 0.0001]) },
      bf16: { dtype: 'BF16', shape: [3], data: new Float32Array([1, -2.5, 3.0e38]) },
      i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 40n), 7n]) },
      i32: { dtype: 'I32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) },
      i16: { dtype: 'I16', shape: [2], data: new Int16Array([-32768, 32767]) },
      u8: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
      bool: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
      scalar: { dtype: 'I32', shape: [], data: new Int32Array([42]) },
    };
    const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'round trip' });
    const { tensors: back, metadata } = loadSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'round trip' });
    for (const [name, t] of Object.entries(tensors)) {
      expect(back[name].dtype, name).toBe(t.dtype);
      expect(back[name].shape, name).toEqual(t.shape);
      const want =
        t.dtype === 'F16'
          ? Array.from(t.data as Float32Array, (v) => halfToFloat(floatToHalf(v)))
          : t.dtype === 'BF16'
            ? Array.from(t.data as Float32Array, (v) => bf16ToFloat(floatToBf16(v)))
            : Array.from(t.data as ArrayLike<number>);
      expect(Array.from(back[name].data as ArrayLike<number>), name).toEqual(want);
    }
    // 8-byte alignment of the data section and of every tensor start.
    const file = SafetensorsFile.fromBytes(bytes);
    const headerLen = new DataView(bytes.buffer).getUint32(0, true);
    expect(headerLen % 8).toBe(0);
    for (const name of file.keys()) {
      const info = file.info(name)!;
      const item = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2 }[info.dtype as string] ?? 1;
      expect(info.begin % item, name).toBe(0);
    }
  });

  it('converts half and bfloat16 exactly on representable values and rounds to nearest even', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(2 ** -24)).toBe(1);
    expect(bf16ToFloat(0x3f80)).toBe(1);
    expect(floatToBf16(1)).toBe(0x3f80);
    expect(floatToBf16(-2.5)).toBe(0xc020);
  });

  it('saves tfjs tensors with a chosen storage dtype', async () => {
    const t = tf.tensor([
      [1, 2.5],
      [-3, 0.125],
    ]);
    const bytes = await saveSafetensors({ w: t, i: tf.tensor([1, 2], [2], 'int32') }, {}, { dtypes: { w: 'F16' } });
    const file = SafetensorsFile.fromBytes(bytes);
    expect(file.info('w')!.dtype).toBe('F16');
    expect(Array.from(file.tensor('w').dataSync())).toEqual([1, 2.5, -3, 0.125]);
    expect(file.tensor('i').dtype).toBe('int32');
  });

  const fixtures = readdirSync(sharedPath('fixtures')).filter((f) => f.endsWith('.safetensors'));
  it.each(fixtures)('parses fixture %s and matches an independent decode', (name) => {
    const bytes = new Uint8Array(readFileSync(fixturePath(name)));
    const file = SafetensorsFile.fromBytes(bytes, name);
    const independent = independentDecode(bytes);
    expect(file.keys().sort()).toEqual([...independent.keys()].sort());
    expect(file.metadata).toHaveProperty('case');
    for (const [key, ref] of independent) {
      const t = file.require(key);
      expect(t.dtype).toBe(ref.dtype);
      expect([...t.shape]).toEqual(ref.shape);
      const values = t.dtype === 'I64' ? Array.from(t.data as BigInt64Array, Number) : Array.from(t.data as ArrayLike<number>);
      expect(values).toEqual(ref.values);
    }
  });

  it('reads a subset of names lazily from disk', () => {
    const { source, close } = openSafetensors(fixturePath('dysample_lp_dyscope.safetensors'));
    try {
      expect(source.shapeOf('offset.weight')).toEqual([32, 16, 1, 1]);
      const subset = loadSafetensors(readFixtureBytes('dysample_lp_dyscope.safetensors'), { names: ['offset.bias'] });
      expect(Object.keys(subset.tensors)).toEqual(['offset.bias']);
      expect(Array.from(source.get('offset.bias')!.data as Float32Array)).toEqual(Array.from(subset.tensors['offset.bias'].data as Float32Array));
    } finally {
      close();
    }
  });

  it('opens sharded checkpoints through model.safetensors.index.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anydepth-shards-'));
    const a = encodeSafetensors({ 'x.weight': { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    const b = encodeSafetensors({ 'y.weight': { dtype: 'F32', shape: [1], data: new Float32Array([3]) } });
    writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), a);
    writeFileSync(join(dir, 'model-00002-of-00002.safetensors'), b);
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({
        metadata: { total_size: 12 },
        weight_map: { 'x.weight': 'model-00001-of-00002.safetensors', 'y.weight': 'model-00002-of-00002.safetensors' },
      }),
    );
    const ckpt = openSafetensors(dir);
    try {
      expect([...ckpt.source.keys()].sort()).toEqual(['x.weight', 'y.weight']);
      expect(Array.from(ckpt.source.get('y.weight')!.data as Float32Array)).toEqual([3]);
    } finally {
      ckpt.close();
    }
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'z.weight': 'model-00001-of-00002.safetensors' } }));
    expect(() => openSafetensors(dir)).toThrow(/has no tensor 'z.weight'/);
  });

  describe('malformed files get clear errors, never hangs or huge allocations', () => {
    const header = (obj: unknown, extra = 0, lengthOverride?: number) => {
      const json = new TextEncoder().encode(typeof obj === 'string' ? obj : JSON.stringify(obj));
      const out = new Uint8Array(8 + json.length + extra);
      new DataView(out.buffer).setUint32(0, lengthOverride ?? json.length, true);
      out.set(json, 8);
      return out;
    };
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['too short', new Uint8Array(5), /too short/],
      ['header length beyond the file', header({}, 0, 1_000_000), /exceeds the file size/],
      [
        'huge header length',
        (() => {
          const b = new Uint8Array(16);
          new DataView(b.buffer).setUint32(4, 0xffffffff, true);
          return b;
        })(),
        /exceeds the file size/,
      ],
      ['non-JSON header', header('{not json'), /not valid JSON/],
      ['header is an array', header([1, 2]), /must be a JSON object/],
      ['unknown dtype', header({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1), /unsupported dtype "F8_E4M3"/],
      ['offsets out of range', header({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /out of range/],
      ['offsets reversed', header({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, 8), /out of range/],
      ['size does not match shape', header({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /needs 12/],
      [
        'overlapping tensors',
        header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12),
        /overlap/,
      ],
      ['negative shape', header({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }), /invalid shape/],
    ];
    it.each(cases)('%s', (_label, bytes, pattern) => {
      expect(() => SafetensorsFile.fromBytes(bytes)).toThrow(SafetensorsError);
      expect(() => SafetensorsFile.fromBytes(bytes)).toThrow(pattern);
    });

    it('deeply nested __metadata__ values give the format error, not a stack overflow', () => {
      const depth = 200_000;
      const text = `{"__metadata__":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
      const bytes = header(text);
      expect(() => SafetensorsFile.fromBytes(bytes)).toThrow(SafetensorsError);
      expect(() => SafetensorsFile.fromBytes(bytes)).toThrow('safetensors: header nests deeper than 8 levels');
      const nestedShape = header(`{"a":{"dtype":"F32","shape":${'['.repeat(depth)}${']'.repeat(depth)},"data_offsets":[0,0]}}`);
      expect(() => SafetensorsFile.fromBytes(nestedShape)).toThrow('safetensors: header nests deeper than 8 levels');
    });

    it('metadata values must be strings (the format says so)', () => {
      const bytes = header({ __metadata__: { format: 'pt', epoch: 3 } });
      expect(() => SafetensorsFile.fromBytes(bytes)).toThrow("safetensors: __metadata__ value 'epoch' must be a string, got number");
      const nested = header({ __metadata__: { a: [[1]] } });
      expect(() => SafetensorsFile.fromBytes(nested)).toThrow("safetensors: __metadata__ value 'a' must be a string, got array");
    });

    it('overlapping tensors are rejected even when an empty tensor sorts between them', () => {
      const bytes = header(
        {
          a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
          e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
          b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
        },
        16,
      );
      expect(() => SafetensorsFile.fromBytes(bytes)).toThrow("safetensors: tensors 'a' and 'b' overlap");
      // empty tensors inside another tensor's range are fine: they hold no bytes
      const ok = header({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } }, 16);
      expect(SafetensorsFile.fromBytes(ok).keys().sort()).toEqual(['a', 'e']);
    });

    it("a tensor named '__proto__' round-trips and never replaces the result's prototype", () => {
      const t = (v: number): HostTensor => ({ dtype: 'F32', shape: [1], data: new Float32Array([v]) });
      const input = Object.create(null) as Record<string, HostTensor>;
      input.__proto__ = t(1);
      input.w = t(2);
      const bytes = encodeSafetensors(input, { note: 'x' });
      const file = SafetensorsFile.fromBytes(bytes);
      expect(file.keys().sort()).toEqual(['__proto__', 'w']);
      const { tensors, metadata } = loadSafetensors(bytes);
      expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'w']);
      expect(Object.hasOwn(tensors, '__proto__')).toBe(true);
      expect([...(tensors.__proto__.data as Float32Array)]).toEqual([1]);
      expect([...(tensors.w.data as Float32Array)]).toEqual([2]);
      expect(Object.getPrototypeOf(tensors)).not.toBe(input.__proto__);
      expect(metadata).toEqual({ note: 'x' });
      // a header written by another tool, with `__proto__` as a metadata key and a tensor
      const foreign = new TextEncoder().encode('{"__metadata__":{"__proto__":"m"},"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}');
      const raw = new Uint8Array(8 + foreign.length + 1);
      new DataView(raw.buffer).setUint32(0, foreign.length, true);
      raw.set(foreign, 8);
      raw[raw.length - 1] = 7;
      const loaded = loadSafetensors(raw);
      expect(Object.keys(loaded.tensors)).toEqual(['__proto__']);
      expect([...(loaded.tensors.__proto__.data as Uint8Array)]).toEqual([7]);
      expect(Object.keys(loaded.metadata)).toEqual(['__proto__']);
      expect(loaded.metadata.__proto__).toBe('m');
    });

    it('reports corrupt files on disk the same way', () => {
      const dir = mkdtempSync(join(tmpdir(), 'anydepth-bad-'));
      const path = join(dir, 'bad.safetensors');
      writeFileSync(path, header({}, 0, 1 << 30));
      expect(() => openSafetensors(path)).toThrow(/exceeds the file size/);
      expect(() => openSafetensors(join(dir, 'missing.safetensors'))).toThrow(/no such file/);
    });
  });

  it('writes files atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anydepth-atomic-'));
    const path = join(dir, 'x.bin');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    writeFileAtomic(path, 'hello');
    expect(readFileSync(path, 'utf8')).toBe('hello');
    expect(readdirSync(dir)).toEqual(['x.bin']);
    writeFileAtomic(path, [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]); // chunks (ONNX external data)
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    // A failed write leaves the old file and no temporary behind.
    expect(() => writeFileAtomic(join(dir, 'missing-folder', 'y.bin'), 'x')).toThrow(/ENOENT/);
    const failing = {
      get length(): number {
        throw new Error('source failed');
      },
    } as unknown as Uint8Array;
    expect(() => writeFileAtomic(path, [Uint8Array.of(9), failing])).toThrow('source failed');
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['x.bin']);
  });
});

function readFixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}
