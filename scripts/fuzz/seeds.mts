/**
 * Valid starting files per parser: generated here, plus files read at run time from the shared data and fixture
 * folders (`$ANYDEPTH_SHARED`, else ../shared beside the repository) and the repository's own test fixtures. Nothing
 * from the shared folders is ever copied into the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { zipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { encodeSafetensors, type HostTensor } from '../../packages/core/src/index.ts';
import { encodePng } from '../../packages/test-utils/src/png.ts';
import { onnx } from '../../packages/onnx/src/proto.ts';
import type { Parser } from './targets.mts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.ANYDEPTH_SHARED ?? resolve(repo, '../shared');

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

function filesUnder(dir: string, pattern: RegExp, maxBytes: number): Seed[] {
  const out: Seed[] = [];
  if (!existsSync(dir)) return out;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (pattern.test(e.name) && statSync(p).size <= maxBytes) out.push({ name: p.slice(shared.length + 1), bytes: new Uint8Array(readFileSync(p)) });
    }
  };
  walk(dir);
  return out;
}

export function npyBytes(descr: string, shape: number[], body: Uint8Array, fortran = false, version = 1): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = version === 1 ? 10 : 12;
  while ((pre + header.length + 1) % 64) header += ' ';
  header += '\n';
  const out = new Uint8Array(pre + header.length + body.length);
  out.set([0x93, 78, 85, 77, 80, 89, version, 0]);
  if (version === 1) new DataView(out.buffer).setUint16(8, header.length, true);
  else new DataView(out.buffer).setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(body, pre + header.length);
  return out;
}

function rampBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    b[i] = i % 4 === 3 ? 0x3f + (s >>> 31) : s >>> 24; // float32-ish values around 1
  }
  return b;
}

function generatedNpy(): Seed[] {
  return [
    { name: 'gen f4 8x12', bytes: npyBytes('<f4', [8, 12], rampBytes(8 * 12 * 4, 1)) },
    { name: 'gen f8 BE fortran 5x7', bytes: npyBytes('>f8', [5, 7], rampBytes(5 * 7 * 8, 2), true) },
    { name: 'gen f2 6x6x1', bytes: npyBytes('<f2', [6, 6, 1], rampBytes(6 * 6 * 2, 3)) },
    { name: 'gen u2 v2 4x9', bytes: npyBytes('<u2', [4, 9], rampBytes(4 * 9 * 2, 4), false, 2) },
    { name: 'gen u1 mask 10x10', bytes: npyBytes('|u1', [10, 10], rampBytes(100, 5)) },
  ];
}

function tensor(dtype: HostTensor['dtype'], shape: number[], seed: number): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 201) / 10 - 10);
  const data =
    dtype === 'I64'
      ? BigInt64Array.from(vals, (v) => BigInt(Math.round(v)))
      : dtype === 'I32'
        ? Int32Array.from(vals, Math.round)
        : dtype === 'U8' || dtype === 'BOOL'
          ? Uint8Array.from(vals, (v) => Math.abs(Math.round(v)) % 2)
          : dtype === 'F64'
            ? Float64Array.from(vals)
            : Float32Array.from(vals);
  return { dtype, shape, data } as HostTensor;
}

/** Small HDF5 files written with h5wasm (plain, chunked + gzip, 16-bit, float64, 3-D with a unit axis). */
async function generatedHdf5(): Promise<Seed[]> {
  const h5 = await import('h5wasm/node');
  await h5.ready;
  const dir = mkdtempSync(join(tmpdir(), 'anydepth-fuzz-seeds-'));
  const specs: Array<{ name: string; shape: number[]; dtype: string; data: ArrayLike<number>; chunks?: number[]; compression?: number }> = [
    { name: 'f4 16x12', shape: [12, 16], dtype: '<f4', data: Float32Array.from({ length: 192 }, (_, i) => (i % 17) / 3) },
    {
      name: 'f4 chunked gzip 20x18',
      shape: [18, 20],
      dtype: '<f4',
      data: Float32Array.from({ length: 360 }, (_, i) => (i % 23) / 5),
      chunks: [6, 10],
      compression: 4,
    },
    { name: 'u2 9x9', shape: [9, 9], dtype: '<H', data: Uint16Array.from({ length: 81 }, (_, i) => i * 700) },
    { name: 'f8 7x10', shape: [7, 10], dtype: '<d', data: Float64Array.from({ length: 70 }, (_, i) => i / 7) },
    { name: 'f4 1x6x5', shape: [1, 6, 5], dtype: '<f4', data: Float32Array.from({ length: 30 }, (_, i) => i + 0.5) },
  ];
  const out: Seed[] = [];
  for (const s of specs) {
    const path = join(dir, 'seed.h5');
    const f = new h5.File(path, 'w');
    f.create_dataset({ name: 'dataset', data: s.data as Float32Array, shape: s.shape, dtype: s.dtype, chunks: s.chunks, compression: s.compression } as never);
    f.close();
    out.push({ name: `gen hdf5 ${s.name}`, bytes: new Uint8Array(readFileSync(path)) });
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/** Small JPEGs written by jpeg-js' encoder at a few sizes and qualities. */
function generatedJpeg(): Seed[] {
  const out: Seed[] = [];
  for (const [w, h, q] of [
    [32, 24, 50],
    [64, 48, 90],
    [100, 75, 75],
    [17, 9, 30],
  ]) {
    const data = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set([(i * 7) % 256, (i * 13) % 256, ((i % w) * 255) / w, 255], i * 4);
    out.push({ name: `gen jpeg ${w}x${h} q${q}`, bytes: new Uint8Array(jpeg.encode({ data, width: w, height: h }, q).data) });
  }
  return out;
}

export async function loadSeeds(parser: Parser): Promise<Seed[]> {
  const data = join(shared, 'data');
  const fixtures = join(shared, 'fixtures');
  switch (parser) {
    case 'safetensors': {
      const gen: Seed[] = [
        {
          name: 'gen mixed dtypes',
          bytes: encodeSafetensors(
            {
              'a.weight': tensor('F32', [4, 3], 1),
              'a.bias': tensor('F16', [3], 2),
              'b.steps': tensor('I64', [2], 3),
              'c.mask': tensor('BOOL', [5], 4),
              'd.bf': tensor('BF16', [2, 2], 5),
              empty: tensor('F32', [0, 3], 6),
            },
            { format: 'pt', note: 'fuzz seed' },
          ),
        },
        { name: 'gen one tensor', bytes: encodeSafetensors({ w: tensor('F64', [3, 3], 7) }) },
      ];
      return [...gen, ...filesUnder(fixtures, /\.safetensors$/, 300_000)];
    }
    case 'npy':
      return [...generatedNpy(), ...filesUnder(data, /\.npy$/, 2_000_000)];
    case 'npz': {
      const npys = generatedNpy();
      return [
        { name: 'gen npz deflated', bytes: zipSync({ 'depth.npy': npys[0].bytes, 'mask.npy': npys[4].bytes }) },
        { name: 'gen npz stored', bytes: zipSync({ 'depth.npy': [npys[1].bytes, { level: 0 }], 'x.npy': [npys[2].bytes, { level: 0 }] }) },
        { name: 'gen npz mixed', bytes: zipSync({ 'a.npy': [npys[3].bytes, { level: 9 }], 'b.npy': [npys[0].bytes, { level: 0 }] }) },
      ];
    }
    case 'png':
    case 'png-fflate': {
      const gen: Seed[] = [
        {
          name: 'gen 16-bit grey 24x17 all filters',
          bytes: encodePng(
            24,
            17,
            1,
            16,
            Array.from({ length: 24 * 17 }, (_, i) => (i * 2654435761) % 65536),
            (y) => y % 5,
          ),
        },
        {
          name: 'gen 8-bit RGB 13x9',
          bytes: encodePng(
            13,
            9,
            3,
            8,
            Array.from({ length: 13 * 9 * 3 }, (_, i) => (i * 31) % 256),
            (y) => (y * 3) % 5,
          ),
        },
        {
          name: 'gen 8-bit grey 40x3',
          bytes: encodePng(
            40,
            3,
            1,
            8,
            Array.from({ length: 120 }, (_, i) => i % 256),
            () => 4,
          ),
        },
      ];
      return [...gen, ...filesUnder(data, /\.png$/, 120_000).slice(0, 6)];
    }
    case 'pfm': {
      const pfm = (magic: string, w: number, h: number, scale: number, seed: number): Seed => {
        const head = new TextEncoder().encode(`${magic}\n${w} ${h}\n${scale}\n`);
        const ch = magic === 'PF' ? 3 : 1;
        const out = new Uint8Array(head.length + w * h * ch * 4);
        out.set(head);
        const dv = new DataView(out.buffer, head.length);
        for (let i = 0; i < w * h * ch; i++) dv.setFloat32(i * 4, ((i * seed) % 97) / 7 + (i % 13 === 0 ? Infinity : 0), scale < 0);
        return { name: `gen ${magic} ${w}x${h} scale ${scale}`, bytes: out };
      };
      return [pfm('Pf', 9, 7, -1, 3), pfm('Pf', 5, 11, 1, 5), pfm('PF', 6, 4, -0.5, 7), ...filesUnder(data, /\.pfm$/, 2_100_000)];
    }
    case 'exr': {
      const own = join(repo, 'packages/datasets/test/fixtures');
      const local = readdirSync(own)
        .filter((f) => f.endsWith('.exr'))
        .sort()
        .map((f) => ({ name: `datasets fixture ${f}`, bytes: new Uint8Array(readFileSync(join(own, f))) }));
      return [...local, ...filesUnder(data, /\.exr$/, 300_000)];
    }
    case 'hdf5':
      return [...(await generatedHdf5()), ...filesUnder(data, /depth_meters\.hdf5$/, 300_000)];
    case 'jpeg':
      return [...generatedJpeg(), ...filesUnder(data, /rgb_00100\.jpe?g$/, 70_000)];
    case 'pth':
      return filesUnder(fixtures, /\.pth$/, 2_000_000);
    case 'onnx':
      return generatedOnnx();
  }
}

/** Small ONNX models whose initializers use every storage the reader decodes: raw_data, typed fields, half floats, int64, a folded MatMul. */
function generatedOnnx(): Seed[] {
  const f32 = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + k));
  const raw = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const T = onnx.TensorProto.DataType;
  const initializer = [
    { name: 'q.bias', dims: [3], dataType: T.FLOAT, rawData: raw(f32(3, 1)) },
    { name: 'onnx::MatMul_7', dims: [4, 3], dataType: T.FLOAT, rawData: raw(f32(12, 2)) },
    { name: 'n.weight', dims: [2, 2], dataType: T.FLOAT, floatData: Array.from(f32(4, 3)) },
    { name: 'h.weight', dims: [3], dataType: T.FLOAT16, rawData: new Uint8Array([0, 60, 0, 64, 0, 188]) },
    { name: 'steps', dims: [2], dataType: T.INT64, int64Data: [1, 2] },
    { name: 'd.weight', dims: [2], dataType: T.DOUBLE, doubleData: [0.5, -1.5] },
  ];
  const graph = {
    name: 'fuzz',
    initializer,
    input: [{ name: 'x' }],
    output: [{ name: 'y' }],
    node: [
      { opType: 'MatMul', input: ['x', 'onnx::MatMul_7'], output: ['m'] },
      { opType: 'Add', input: ['m', 'q.bias'], output: ['y'] },
    ],
  };
  const model = (g: object) => onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: g })).finish();
  return [
    { name: 'gen mixed initializers', bytes: model(graph) },
    { name: 'gen one initializer', bytes: model({ name: 'one', initializer: [initializer[0]] }) },
  ];
}
