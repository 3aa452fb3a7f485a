import { finishDepthMap } from '../depth-map.js';
import { checkBytes, checkDims, DecodeError } from '../errors.js';
import { halfTable } from '../float16.js';
import { ByteReader } from '../byte-reader.js';
import { fflateInflate } from '../inflate.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type DecodeLimits, type DepthMap, type Inflate } from '../types.js';
import { decompressPiz } from './piz.js';

/** Pixel types of OpenEXR channels. */
export const EXR_PIXEL_TYPES = ['uint', 'half', 'float'] as const;
export type ExrPixelType = (typeof EXR_PIXEL_TYPES)[number];
export const EXR_COMPRESSIONS = ['none', 'rle', 'zips', 'zip', 'piz', 'pxr24', 'b44', 'b44a', 'dwaa', 'dwab'] as const;
export type ExrCompression = (typeof EXR_COMPRESSIONS)[number];
const LINES_PER_BLOCK: Record<ExrCompression, number> = {
  none: 1,
  rle: 1,
  zips: 1,
  zip: 16,
  piz: 32,
  pxr24: 16,
  b44: 32,
  b44a: 32,
  dwaa: 32,
  dwab: 256,
};

export interface ExrChannel {
  name: string;
  type: ExrPixelType;
  xSampling: number;
  ySampling: number;
}

export interface ExrHeader {
  channels: ExrChannel[];
  compression: ExrCompression;
  dataWindow: { xMin: number; yMin: number; xMax: number; yMax: number };
  width: number;
  height: number;
  tiled: boolean;
  /** Byte offset just after the header (start of the offset table). */
  headerEnd: number;
}

export interface ExrImage {
  header: ExrHeader;
  width: number;
  height: number;
  /** Every channel as float32, row-major. */
  channels: Record<string, Float32Array>;
}

export interface ExrOptions extends DecodeLimits {
  inflate?: Inflate;
}

const fail = (m: string): never => {
  throw new DecodeError('exr', m);
};

/** Parses the OpenEXR single-part header (scanline or tiled flag, channels, compression, data window). */
export function parseExrHeader(bytes: Uint8Array): ExrHeader {
  if (bytes.length < 8) fail('file too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== 20000630) fail('missing OpenEXR magic number');
  const version = dv.getUint32(4, true);
  if ((version & 0xff) !== 2) fail(`unsupported version ${version & 0xff}`);
  const tiled = (version & 0x200) !== 0;
  if (version & 0x1000) fail('multi-part files are not supported');
  if (version & 0x800) fail('deep-data files are not supported');
  let p = 8;
  const readString = (): string => {
    const start = p;
    while (p < bytes.length && bytes[p] !== 0) {
      p++;
      if (p - start > 255) fail('attribute name too long (corrupt header)');
    }
    if (p >= bytes.length) fail('truncated header');
    const s = String.fromCharCode(...bytes.subarray(start, p));
    p++;
    return s;
  };
  let channels: ExrChannel[] | undefined;
  let compression: ExrCompression | undefined;
  let dataWindow: ExrHeader['dataWindow'] | undefined;
  for (;;) {
    if (p >= bytes.length) fail('truncated header');
    if (bytes[p] === 0) {
      p++;
      break;
    }
    const name = readString();
    const type = readString();
    if (p + 4 > bytes.length) fail('truncated header');
    const size = dv.getInt32(p, true);
    p += 4;
    if (size < 0 || p + size > bytes.length) fail(`attribute '${name}' size ${size} runs past the end of the file`);
    const v = p;
    if (name === 'channels' && type === 'chlist') {
      channels = [];
      let q = v;
      while (q < v + size && bytes[q] !== 0) {
        const s = q;
        while (q < v + size && bytes[q] !== 0) q++;
        const chName = String.fromCharCode(...bytes.subarray(s, q));
        q++;
        if (q + 16 > v + size) fail('truncated channel list');
        const pt = dv.getInt32(q, true);
        const xs = dv.getInt32(q + 8, true);
        const ys = dv.getInt32(q + 12, true);
        q += 16;
        if (pt < 0 || pt > 2) fail(`channel '${chName}' has unknown pixel type ${pt}`);
        channels.push({ name: chName, type: EXR_PIXEL_TYPES[pt], xSampling: xs, ySampling: ys });
      }
    } else if (name === 'compression' && type === 'compression') {
      const c = bytes[v];
      if (c >= EXR_COMPRESSIONS.length) fail(`unknown compression ${c}`);
      compression = EXR_COMPRESSIONS[c];
    } else if (name === 'dataWindow' && type === 'box2i') {
      if (size < 16) fail('dataWindow attribute too short');
      dataWindow = { xMin: dv.getInt32(v, true), yMin: dv.getInt32(v + 4, true), xMax: dv.getInt32(v + 8, true), yMax: dv.getInt32(v + 12, true) };
    }
    p += size;
  }
  if (!channels || channels.length === 0) fail('no channels attribute');
  if (!compression) fail('no compression attribute');
  if (!dataWindow) fail('no dataWindow attribute');
  const width = dataWindow!.xMax - dataWindow!.xMin + 1;
  const height = dataWindow!.yMax - dataWindow!.yMin + 1;
  // OpenEXR stores channels sorted by name; keep that order (it is the order of the pixel data).
  return { channels: channels!, compression: compression!, dataWindow: dataWindow!, width, height, tiled, headerEnd: p };
}

/** Inverse of OpenEXR's ZIP/RLE pre-processing: byte delta predictor, then de-interleaving of the two halves. */
export function undoZipPredictor(raw: Uint8Array): Uint8Array {
  const n = raw.length;
  for (let t = 1; t < n; t++) raw[t] = (raw[t - 1] + raw[t] - 128) & 255;
  const out = new Uint8Array(n);
  let t1 = 0;
  let t2 = (n + 1) >> 1;
  let s = 0;
  while (s < n) {
    out[s++] = raw[t1++];
    if (s < n) out[s++] = raw[t2++];
  }
  return out;
}

function decodeRle(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let i = 0;
  let o = 0;
  while (i < src.length) {
    const l = (src[i++] << 24) >> 24; // signed
    if (l < 0) {
      const count = -l;
      if (o + count > expected || i + count > src.length) fail('corrupt RLE block');
      out.set(src.subarray(i, i + count), o);
      i += count;
      o += count;
    } else {
      const count = l + 1;
      if (o + count > expected || i >= src.length) fail('corrupt RLE block');
      out.fill(src[i++], o, o + count);
      o += count;
    }
  }
  if (o !== expected) fail(`RLE block decoded to ${o} bytes, expected ${expected}`);
  return out;
}

/** Decodes a single-part scanline OpenEXR (NONE, RLE, ZIPS, ZIP, PIZ; half/float/uint channels) to float32 planes. */
export function decodeExr(bytes: Uint8Array, options: ExrOptions = {}): ExrImage {
  const header = parseExrHeader(bytes);
  if (header.tiled) fail('tiled files are not supported (scanline only)');
  const { width, height, channels, compression, dataWindow } = header;
  checkDims('exr', width, height, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  for (const c of channels) {
    if (c.xSampling !== 1 || c.ySampling !== 1) fail(`channel '${c.name}' is subsampled (${c.xSampling}x${c.ySampling}); not supported`);
  }
  if (!['none', 'rle', 'zips', 'zip', 'piz'].includes(compression)) fail(`compression '${compression}' is not supported`);
  const names = new Set(channels.map((c) => c.name));
  if (names.size !== channels.length) fail('channel list names a channel twice');
  checkBytes('exr', `${channels.length} channels of ${width}x${height}`, channels.length * width * height * 4, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const inflate = options.inflate ?? fflateInflate;
  const linesPerBlock = LINES_PER_BLOCK[compression];
  const nBlocks = Math.ceil(height / linesPerBlock);
  const r = new ByteReader(bytes, 'exr', header.headerEnd);
  r.need(nBlocks * 8, 'offset table');
  // First pass over the offset table and the block headers: every line block must be there exactly once, so that no
  // line is left at 0 (and marked valid) or decoded twice.
  const blockOffsets = new Float64Array(nBlocks);
  const blockY = new Int32Array(nBlocks);
  const blockOf = new Int32Array(nBlocks).fill(-1); // line-block index → offset-table index
  let repeated = -1;
  for (let b = 0; b < nBlocks; b++) {
    const off = r.u64le(`offset of block ${b}`);
    if (off + 8 > bytes.length) fail(`block ${b} offset ${off} is past the end of the file (truncated?)`);
    const y0 = new ByteReader(bytes, 'exr', off).i32le(`block ${b} first line`) - dataWindow.yMin;
    if (y0 < 0 || y0 >= height || y0 % linesPerBlock !== 0) fail(`block ${b} has invalid first line ${y0 + dataWindow.yMin}`);
    blockOffsets[b] = off;
    blockY[b] = y0;
    const k = y0 / linesPerBlock;
    if (blockOf[k] < 0) blockOf[k] = b;
    else if (repeated < 0) repeated = b;
  }
  if (repeated >= 0) {
    const y = blockY[repeated];
    const missing = blockOf.indexOf(-1) * linesPerBlock;
    fail(
      `line block ${repeated} repeats the lines from y=${y + dataWindow.yMin} of block ${blockOf[y / linesPerBlock]} (lines from y=${missing + dataWindow.yMin} are missing)`,
    );
  }
  const bytesPerPixel = channels.map((c) => (c.type === 'half' ? 2 : 4));
  const lineBytes = bytesPerPixel.reduce((a, b) => a + b, 0) * width;
  const planes: Record<string, Float32Array> = Object.create(null);
  for (const c of channels) planes[c.name] = new Float32Array(width * height);
  const half = halfTable();
  for (let b = 0; b < nBlocks; b++) {
    const y0 = blockY[b];
    const br = new ByteReader(bytes, 'exr', blockOffsets[b] + 4);
    const size = br.i32le(`block ${b} size`);
    if (size < 0 || size > br.remaining) fail(`block ${b} (${size} bytes) runs past the end of the file (truncated?)`);
    const lines = Math.min(linesPerBlock, height - y0);
    const expected = lines * lineBytes;
    const start = br.pos;
    let pix: Uint8Array = bytes;
    if (size === expected)
      pix = bytes.subarray(start, start + size); // stored uncompressed (also allowed for compressed files)
    else if (compression === 'none') pix = fail(`block ${b} has ${size} bytes, expected ${expected}`);
    else if (compression === 'zip' || compression === 'zips') {
      const raw = inflate(bytes.subarray(start, start + size), expected);
      if (raw.length !== expected) fail(`block ${b} inflated to ${raw.length} bytes, expected ${expected}`);
      pix = undoZipPredictor(raw);
    } else if (compression === 'rle') pix = undoZipPredictor(decodeRle(bytes.subarray(start, start + size), expected));
    else {
      const words = decompressPiz(
        bytes,
        start,
        size,
        channels.map((c) => ({ nx: width, ny: lines, size: c.type === 'half' ? 1 : 2 })),
      );
      pix = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    }
    const pv = new DataView(pix.buffer, pix.byteOffset, pix.byteLength);
    let q = 0;
    for (let l = 0; l < lines; l++) {
      const rowBase = (y0 + l) * width;
      for (let ci = 0; ci < channels.length; ci++) {
        const plane = planes[channels[ci].name];
        const t = channels[ci].type;
        if (t === 'half') for (let x = 0; x < width; x++, q += 2) plane[rowBase + x] = half[pv.getUint16(q, true)];
        else if (t === 'float') for (let x = 0; x < width; x++, q += 4) plane[rowBase + x] = pv.getFloat32(q, true);
        else for (let x = 0; x < width; x++, q += 4) plane[rowBase + x] = pv.getUint32(q, true);
      }
    }
  }
  return { header, width, height, channels: planes };
}

/**
 * Decodes an EXR depth map from one channel: `channel` if given, else the first of Z, Y, R, depth, D, or the only
 * channel. Non-finite values are invalid; `invalidAbove` marks far background (e.g. Blender's 1e10) invalid too.
 */
export function decodeExrDepth(bytes: Uint8Array, options: ExrOptions & { channel?: string; invalidAbove?: number } = {}): DepthMap {
  const img = decodeExr(bytes, options);
  const names = Object.keys(img.channels);
  const name = options.channel ?? ['Z', 'Y', 'R', 'depth', 'D', 'V'].find((n) => names.includes(n)) ?? (names.length === 1 ? names[0] : undefined);
  if (!name || !img.channels[name]) fail(`no depth channel (has ${names.join(', ')}; pass channel)`);
  const data = img.channels[name!];
  const valid = new Uint8Array(data.length);
  const above = options.invalidAbove ?? Infinity;
  for (let i = 0; i < data.length; i++) valid[i] = Number.isFinite(data[i]) && data[i] < above ? 1 : 0;
  return finishDepthMap({ width: img.width, height: img.height, data, valid });
}
