import type * as tf from '@tensorflow/tfjs-core';
import { decodeBf16Array, decodeHalfArray, floatToBf16, floatToHalf } from './float16.js';
import { type HostArray, type HostTensor, type SafetensorsDType, hostToTensor, isHostTensor, numElements, tensorToHost } from './host-tensor.js';
import type { TensorSource } from './module.js';

const ITEM_SIZE: Record<SafetensorsDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Headers above this size are refused rather than parsed (the format's own readers use 100 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
/**
 * Deepest JSON nesting a header may have. The format needs 3 (header → tensor entry → shape); anything much deeper
 * is hostile, and would overflow the stack in any recursive walk of the parsed value.
 */
export const MAX_HEADER_DEPTH = 8;

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Size of the 8-byte length prefix plus the JSON header: where the data section starts. */
  dataStart: number;
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

function readU64(bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  return hi * 2 ** 32 + lo;
}

/** Deepest `[`/`{` nesting of a JSON text, scanning past strings (and their escapes); stops early past `limit`. */
function jsonDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * Parses and validates a safetensors header. `prefix` holds at least the first 8 bytes (and the
 * header itself once its length is known); `fileSize` bounds every offset so a corrupt file fails
 * fast instead of allocating or reading past its end.
 */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize: number, label = 'safetensors'): SafetensorsHeader {
  if (fileSize < 8 || prefix.length < 8) throw new SafetensorsError(`${label}: file is ${fileSize} bytes, too short for a header`);
  const headerLength = readU64(prefix, 0);
  if (headerLength > fileSize - 8) {
    throw new SafetensorsError(`${label}: header length ${headerLength} exceeds the file size ${fileSize}`);
  }
  if (headerLength > MAX_HEADER_BYTES) throw new SafetensorsError(`${label}: header length ${headerLength} is above the ${MAX_HEADER_BYTES}-byte limit`);
  if (prefix.length < 8 + headerLength) throw new SafetensorsError(`${label}: header is truncated`);
  const headerBytes = prefix.subarray(8, 8 + headerLength);
  if (jsonDepth(headerBytes, MAX_HEADER_DEPTH) > MAX_HEADER_DEPTH) {
    throw new SafetensorsError(`${label}: header nests deeper than ${MAX_HEADER_DEPTH} levels`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new SafetensorsError(`${label}: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError(`${label}: header must be a JSON object`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  // Null-prototype records: a key such as `__proto__` stays an ordinary key.
  const metadata: Record<string, string> = Object.create(null);
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SafetensorsError(`${label}: __metadata__ must be an object`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') {
          const kind = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
          throw new SafetensorsError(`${label}: __metadata__ value '${k}' must be a string, got ${kind}`);
        }
        metadata[k] = v;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) throw new SafetensorsError(`${label}: entry '${name}' is not an object`);
    const dtype = info.dtype as SafetensorsDType;
    if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) {
      throw new SafetensorsError(`${label}: tensor '${name}' has unsupported dtype ${JSON.stringify(info.dtype)}`);
    }
    if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`${label}: tensor '${name}' has an invalid shape ${JSON.stringify(info.shape)}`);
    }
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`${label}: tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      throw new SafetensorsError(`${label}: tensor '${name}' offsets [${begin}, ${end}] are out of range (data section is ${dataLength} bytes)`);
    }
    const shape = info.shape as number[];
    const expected = numElements(shape) * ITEM_SIZE[dtype];
    if (end - begin !== expected) {
      throw new SafetensorsError(`${label}: tensor '${name}' spans ${end - begin} bytes but ${dtype}[${shape}] needs ${expected}`);
    }
    entries.set(name, { name, dtype, shape, begin, end });
  }
  // Empty tensors hold no bytes and may sit anywhere; every other pair of ranges must be disjoint.
  const sorted = [...entries.values()].filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.begin < prev.end) throw new SafetensorsError(`${label}: tensors '${prev.name}' and '${cur.name}' overlap`);
  }
  return { dataStart, entries, metadata };
}

/** Decodes raw little-endian bytes of one tensor into its host array. */
export function decodeTensorBytes(dtype: SafetensorsDType, bytes: Uint8Array): HostArray {
  // Copy into a fresh buffer: it is aligned for every element type and owned by the result.
  const buf = bytes.slice().buffer;
  switch (dtype) {
    case 'F64':
      return new Float64Array(buf);
    case 'F32':
      return new Float32Array(buf);
    case 'F16':
      return decodeHalfArray(new Uint16Array(buf));
    case 'BF16':
      return decodeBf16Array(new Uint16Array(buf));
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U8':
      return new Uint8Array(buf);
    case 'BOOL': {
      const out = new Uint8Array(buf);
      for (let i = 0; i < out.length; i++) out[i] = out[i] ? 1 : 0;
      return out;
    }
  }
}

/**
 * A parsed safetensors file. Tensors are decoded only when asked for, so reading a few names
 * from a large checkpoint costs only those bytes. Implements `TensorSource` for `loadStateDict`.
 */
export class SafetensorsFile implements TensorSource {
  readonly metadata: Record<string, string>;
  private readonly entries: Map<string, SafetensorsEntry>;

  constructor(
    header: SafetensorsHeader,
    /** Returns bytes [begin, end) of the data section. */
    private readonly readData: (begin: number, end: number) => Uint8Array,
    readonly label = 'safetensors',
  ) {
    this.metadata = header.metadata;
    this.entries = header.entries;
  }

  /** Parses a whole file held in memory. */
  static fromBytes(bytes: Uint8Array, label = 'safetensors'): SafetensorsFile {
    const header = parseSafetensorsHeader(bytes, bytes.length, label);
    const data = bytes.subarray(header.dataStart);
    return new SafetensorsFile(header, (b, e) => data.subarray(b, e), label);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): SafetensorsEntry | undefined {
    return this.entries.get(name);
  }

  shapeOf(name: string): number[] | undefined {
    return this.entries.get(name)?.shape;
  }

  /** Decodes one tensor, or returns undefined when the file has no tensor of that name. */
  get(name: string): HostTensor | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    return { dtype: e.dtype, shape: e.shape, data: decodeTensorBytes(e.dtype, this.readData(e.begin, e.end)) };
  }

  /** Like `get`, but throws a clear error naming the tensor when it is absent. */
  require(name: string): HostTensor {
    const t = this.get(name);
    if (!t) throw new SafetensorsError(`${this.label}: no tensor named '${name}'`);
    return t;
  }

  /** Decodes one tensor straight into a tfjs tensor. */
  tensor(name: string): tf.Tensor {
    return hostToTensor(this.require(name));
  }
}

/** Parses safetensors bytes and decodes every tensor (or only `names`), as host tensors. */
export function loadSafetensors(
  bytes: Uint8Array,
  options: { names?: Iterable<string> } = {},
): { tensors: Record<string, HostTensor>; metadata: Record<string, string> } {
  const file = SafetensorsFile.fromBytes(bytes);
  const names = options.names ? [...options.names] : file.keys();
  const tensors: Record<string, HostTensor> = Object.create(null);
  for (const name of names) tensors[name] = file.require(name);
  return { tensors, metadata: file.metadata };
}

function encodeData(t: HostTensor): Uint8Array {
  const n = numElements(t.shape);
  if (t.data.length !== n) throw new SafetensorsError(`tensor has ${t.data.length} values but shape [${t.shape}] needs ${n}`);
  switch (t.dtype) {
    case 'F16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = floatToHalf(Number(t.data[i]));
      return new Uint8Array(out.buffer);
    }
    case 'BF16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = floatToBf16(Number(t.data[i]));
      return new Uint8Array(out.buffer);
    }
    case 'I64': {
      const out = t.data instanceof BigInt64Array ? t.data : BigInt64Array.from(t.data as ArrayLike<number>, (v) => BigInt(Math.trunc(v)));
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    default: {
      const Ctor = { F64: Float64Array, F32: Float32Array, I32: Int32Array, I16: Int16Array, I8: Int8Array, U8: Uint8Array, BOOL: Uint8Array }[t.dtype];
      const arr = t.data instanceof Ctor ? t.data : Ctor.from(t.data as ArrayLike<number>);
      return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    }
  }
}

/**
 * Serialises host tensors to safetensors bytes. Tensors are laid out widest element type first so
 * that every tensor starts at an offset aligned to its element size.
 */
export function encodeSafetensors(tensors: Record<string, HostTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => ITEM_SIZE[tensors[b].dtype] - ITEM_SIZE[tensors[a].dtype]);
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new SafetensorsError(`'__metadata__' is reserved and cannot name a tensor`);
    const bytes = encodeData(tensors[name]);
    header[name] = { dtype: tensors[name].dtype, shape: [...tensors[name].shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/**
 * Serialises tfjs tensors and/or host tensors. `dtypes` stores chosen float tensors as F16/BF16/F64.
 * Asynchronous because reading tensors back from some backends (webgpu) is.
 */
export async function saveSafetensors(
  tensors: Record<string, tf.Tensor | HostTensor>,
  metadata: Record<string, string> = {},
  options: { dtypes?: Record<string, SafetensorsDType> } = {},
): Promise<Uint8Array> {
  const host: Record<string, HostTensor> = Object.create(null);
  for (const [name, t] of Object.entries(tensors)) {
    const h = isHostTensor(t) ? t : await tensorToHost(t as tf.Tensor);
    const dtype = options.dtypes && Object.hasOwn(options.dtypes, name) ? options.dtypes[name] : undefined;
    host[name] = dtype ? { dtype, shape: h.shape, data: h.data } : h;
  }
  return encodeSafetensors(host, metadata);
}

export interface ShardIndex {
  metadata?: Record<string, unknown>;
  weight_map: Record<string, string>;
}

/** Validates a `model.safetensors.index.json` document. */
export function parseShardIndex(text: string, label = 'model.safetensors.index.json'): ShardIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`${label}: not valid JSON (${(e as Error).message})`);
  }
  const map = (json as ShardIndex)?.weight_map;
  if (typeof map !== 'object' || map === null || !Object.values(map).every((v) => typeof v === 'string')) {
    throw new SafetensorsError(`${label}: missing or invalid "weight_map"`);
  }
  return json as ShardIndex;
}

/** A checkpoint split across several safetensors files, seen as one `TensorSource`. */
export class ShardedSafetensors implements TensorSource {
  constructor(
    readonly index: ShardIndex,
    private readonly shards: Map<string, SafetensorsFile>,
  ) {
    for (const [name, shard] of Object.entries(index.weight_map)) {
      const file = shards.get(shard);
      if (!file) throw new SafetensorsError(`shard '${shard}' (holding '${name}') was not provided`);
      if (!file.has(name)) throw new SafetensorsError(`shard '${shard}' has no tensor '${name}' although the index says so`);
    }
  }

  keys(): string[] {
    return Object.keys(this.index.weight_map);
  }

  private fileFor(name: string): SafetensorsFile | undefined {
    if (!Object.hasOwn(this.index.weight_map, name)) return undefined;
    return this.shards.get(this.index.weight_map[name]);
  }

  shapeOf(name: string): number[] | undefined {
    return this.fileFor(name)?.shapeOf(name);
  }

  get(name: string): HostTensor | undefined {
    return this.fileFor(name)?.get(name);
  }
}
