import { ByteReader } from '../byte-reader.js';
import { finishDepthMap } from '../depth-map.js';
import { checkBytes, checkDims, DecodeError } from '../errors.js';
import { halfArrayToFloat32 } from '../float16.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type DecodeLimits, type DepthMap } from '../types.js';
import { readZip } from '../zip.js';

/** Longest .npy header accepted (numpy writes a few hundred bytes; the format allows far more). */
const MAX_NPY_HEADER = 1 << 20;

/** A parsed .npy array: shape, numpy dtype string and the values as float64-able typed array. */
export interface NpyArray {
  shape: number[];
  dtype: string;
  fortranOrder: boolean;
  data: Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array | BigUint64Array;
}

type NpyData = NpyArray['data'];

/** Each supported dtype kind: its item size and its typed-array view of aligned little-endian bytes (f2 widened to float32). */
const KINDS = new Map<string, { size: number; view: (ab: ArrayBuffer) => NpyData }>([
  ['f2', { size: 2, view: (ab) => halfArrayToFloat32(new Uint16Array(ab)) }],
  ['f4', { size: 4, view: (ab) => new Float32Array(ab) }],
  ['f8', { size: 8, view: (ab) => new Float64Array(ab) }],
  ['i1', { size: 1, view: (ab) => new Int8Array(ab) }],
  ['u1', { size: 1, view: (ab) => new Uint8Array(ab) }],
  ['b1', { size: 1, view: (ab) => new Uint8Array(ab) }],
  ['i2', { size: 2, view: (ab) => new Int16Array(ab) }],
  ['u2', { size: 2, view: (ab) => new Uint16Array(ab) }],
  ['i4', { size: 4, view: (ab) => new Int32Array(ab) }],
  ['u4', { size: 4, view: (ab) => new Uint32Array(ab) }],
  ['i8', { size: 8, view: (ab) => new BigInt64Array(ab) }],
  ['u8', { size: 8, view: (ab) => new BigUint64Array(ab) }],
]);

/** Parses a NumPy .npy file (format versions 1–3, little/big endian, C or Fortran order). */
export function decodeNpy(bytes: Uint8Array, options: DecodeLimits = {}): NpyArray {
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') {
    throw new DecodeError('npy', 'missing \\x93NUMPY magic');
  }
  const r = new ByteReader(bytes, 'npy', 6);
  const major = r.u8('version');
  r.skip(1, 'version');
  let headerLen: number;
  if (major === 1) headerLen = r.u16le('header length');
  else if (major === 2 || major === 3) headerLen = r.u32le('header length');
  else throw new DecodeError('npy', `unsupported format version ${major}`);
  if (headerLen > MAX_NPY_HEADER) throw new DecodeError('npy', `header length ${headerLen} is above the ${MAX_NPY_HEADER}-byte limit`);
  const offset = r.pos;
  const header = new TextDecoder('latin1').decode(r.take(headerLen, 'header'));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new DecodeError('npy', `unparseable header ${JSON.stringify(header.trim())}`);
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (dims.length > 32 || dims.some((d) => !/^\d{1,15}$/.test(d))) throw new DecodeError('npy', `invalid shape (${shapeText})`);
  const shape = dims.map(Number);
  const order = descr[0];
  const kind = descr.slice(1);
  const known = KINDS.get(kind);
  if (!known || !'<>|='.includes(order)) throw new DecodeError('npy', `unsupported dtype '${descr}'`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = offset + headerLen;
  const { size, view } = known;
  const need = count * size;
  checkBytes('npy', `${descr} (${shape.join(', ')})`, need, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (dataStart + need > bytes.length) {
    throw new DecodeError('npy', `truncated data: need ${need} bytes, file has ${bytes.length - dataStart}`);
  }
  // Copy to an aligned buffer, swapping bytes when big-endian.
  const buf = bytes.slice(dataStart, dataStart + need);
  if (order === '>' && size > 1) {
    for (let i = 0; i < need; i += size) buf.subarray(i, i + size).reverse();
  }
  const data = view(buf.buffer);
  return { shape, dtype: descr, fortranOrder: fortran === 'True', data };
}

/** Reads all arrays of an .npz (zip of .npy files, stored or deflated). Keys drop the `.npy` suffix. */
/**
 * Members are inflated within `maxBytes` (all of them together; default 256 MiB) and checked against their CRC-32.
 */
export function decodeNpz(bytes: Uint8Array, options: DecodeLimits = {}): Record<string, NpyArray> {
  const files = readZip(bytes, 'npz', options.maxBytes ?? DEFAULT_MAX_BYTES);
  const out: Record<string, NpyArray> = Object.create(null);
  for (const [name, content] of files) {
    try {
      out[name.replace(/\.npy$/, '')] = decodeNpy(content, options);
    } catch (e) {
      if (e instanceof DecodeError) throw new DecodeError('npz', `member '${name}': ${e.message}`);
      throw e;
    }
  }
  return out;
}

/** Turns a 2-D array (or [H, W, 1] / [1, H, W]) into a depth map (float32, C order). */
export function npyToDepth(arr: NpyArray, options: DecodeLimits & { scale?: number } = {}): DepthMap {
  const dims = arr.shape.filter((d, i) => !(d === 1 && arr.shape.length > 2 && (i === 0 || i === arr.shape.length - 1)));
  if (dims.length !== 2) throw new DecodeError('npy', `expected a 2-D depth array, got shape (${arr.shape.join(', ')})`);
  const [h, w] = dims;
  checkDims('npy', w, h, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const n = w * h;
  const data = new Float32Array(n);
  const scale = options.scale ?? 1;
  const src = arr.data;
  for (let i = 0; i < n; i++) {
    const idx = arr.fortranOrder ? (i % w) * h + Math.floor(i / w) : i;
    data[i] = Number(src[idx]) / scale;
  }
  return finishDepthMap({ width: w, height: h, data });
}

/** Decodes an .npy depth map, or one array (by `key`, default the first) of an .npz. */
export function decodeNpyDepth(bytes: Uint8Array, options: DecodeLimits & { key?: string; scale?: number } = {}): DepthMap {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const arrays = decodeNpz(bytes, options);
    const keys = Object.keys(arrays);
    const key = options.key ?? keys[0];
    const arr = key !== undefined && Object.hasOwn(arrays, key) ? arrays[key] : undefined;
    if (!arr) throw new DecodeError('npz', `no array '${key}' (has ${keys.join(', ') || 'none'})`);
    return npyToDepth(arr, options);
  }
  return npyToDepth(decodeNpy(bytes, options), options);
}
