import { readFileSync } from 'node:fs';
import { fixturePath } from './index.js';

export interface FixtureTensor {
  dtype: string;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** Minimal safetensors reader for the fixtures (F32, I32, U8), so the tests need no built package. */
export function readFixture(name: string): Map<string, FixtureTensor> {
  const bytes = readFileSync(fixturePath(name));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const start = 8 + headerLength;
  const out = new Map<string, FixtureTensor>();
  for (const [key, entry] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const [b, e] = entry.data_offsets;
    const raw = bytes.buffer.slice(bytes.byteOffset + start + b, bytes.byteOffset + start + e);
    const data =
      entry.dtype === 'F32' ? new Float32Array(raw) : entry.dtype === 'I32' ? new Int32Array(raw) : entry.dtype === 'U8' ? new Uint8Array(raw) : null;
    if (!data) throw new Error(`${name}: ${key} has unsupported dtype ${entry.dtype}`);
    out.set(key, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return out;
}

export function get(file: Map<string, FixtureTensor>, key: string): FixtureTensor {
  const t = file.get(key);
  if (!t) throw new Error(`fixture tensor ${key} missing`);
  return t;
}
