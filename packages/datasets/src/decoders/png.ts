import { finishDepthMap } from '../depth-map.js';
import { checkDims, DecodeError } from '../errors.js';
import { crc32 } from '../checksums.js';
import { fflateInflate } from '../inflate.js';
import { unfilterWasm, unfilterWasm16 } from '../wasm/unfilter.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type DepthMap, type Inflate, type RasterImage } from '../types.js';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface PngOptions extends DecodeLimits {
  inflate?: Inflate;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((v, i) => bytes[i] === v);
}

/**
 * Decodes a non-interlaced PNG (grey, grey+alpha, RGB, RGBA at 8 or 16 bits; palette at 8 bits, expanded to RGB).
 * 16-bit samples come back as a Uint16Array in native order; 8-bit as Uint8Array.
 */
export function decodePng(bytes: Uint8Array, options: PngOptions = {}): RasterImage {
  if (!isPng(bytes)) throw new DecodeError('png', 'missing PNG signature');
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const crc = options.inflate?.crc32 ?? crc32;
  let pos = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = -1;
  let interlace = 0;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatLength = 0;
  let sawEnd = false;
  while (pos + 8 <= bytes.length) {
    const length = u32(bytes, pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const start = pos + 8;
    if (start + length + 4 > bytes.length) {
      throw new DecodeError('png', `truncated file: chunk ${type} needs ${length} bytes at offset ${start}, file has ${bytes.length}`);
    }
    const body = bytes.subarray(start, start + length);
    // Every chunk, critical or ancillary, carries a CRC-32 of its type and body.
    if (crc(bytes.subarray(pos + 4, start + length)) !== u32(bytes, start + length)) {
      throw new DecodeError('png', `chunk ${type} at offset ${pos} fails its CRC check`);
    }
    if (type === 'IHDR') {
      if (colorType >= 0) throw new DecodeError('png', 'more than one IHDR chunk');
      if (length < 13) throw new DecodeError('png', 'IHDR chunk too short');
      width = u32(body, 0);
      height = u32(body, 4);
      bitDepth = body[8];
      colorType = body[9];
      interlace = body[12];
      checkDims('png', width, height, maxPixels);
      if (!(colorType in CHANNELS)) throw new DecodeError('png', `unknown colour type ${colorType}`);
      if (bitDepth !== 8 && bitDepth !== 16) throw new DecodeError('png', `unsupported bit depth ${bitDepth} (8 and 16 are supported)`);
      if (colorType === 3 && bitDepth !== 8) throw new DecodeError('png', 'only 8-bit palettes are supported');
      if (interlace !== 0) throw new DecodeError('png', 'interlaced (Adam7) PNGs are not supported');
    } else if (type === 'PLTE') {
      palette = body;
    } else if (type === 'IDAT') {
      if (colorType < 0) throw new DecodeError('png', 'IDAT before IHDR');
      idat.push(body);
      idatLength += length;
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    pos = start + length + 4;
  }
  if (colorType < 0) throw new DecodeError('png', 'no IHDR chunk');
  if (idat.length === 0) throw new DecodeError('png', 'no image data (IDAT)');
  if (!sawEnd) throw new DecodeError('png', 'truncated file: no IEND chunk');
  const channels = CHANNELS[colorType];
  const bpp = (channels * bitDepth) / 8; // bytes per pixel
  const stride = width * bpp;
  const expected = height * (stride + 1);
  let compressed: Uint8Array;
  if (idat.length === 1) compressed = idat[0];
  else {
    compressed = new Uint8Array(idatLength);
    let o = 0;
    for (const c of idat) {
      compressed.set(c, o);
      o += c.length;
    }
  }
  const inflate = options.inflate ?? fflateInflate;
  const raw = inflate(compressed, expected);
  if (raw.length < expected) {
    throw new DecodeError('png', `truncated image data: ${raw.length} of ${expected} bytes after inflate`);
  }
  const n = width * height;
  const invalidFilter = (row: number) => new DecodeError('png', `invalid filter type ${raw[row * (stride + 1)]} on row ${row}`);
  if (bitDepth === 16 && colorType !== 3) {
    // the WebAssembly kernel reverses the filters and byte-swaps in one go
    const samples = unfilterWasm16(raw, height, stride, bpp);
    if (typeof samples === 'number') throw invalidFilter(samples);
    if (samples) return { width, height, channels, bitDepth: 16, data: samples };
  }
  const badRow = unfilterWasm(raw, height, stride, bpp);
  if (badRow === null) unfilterInPlace(raw, height, stride, bpp);
  else if (badRow >= 0) throw invalidFilter(badRow);
  const rowStart = (y: number) => y * (stride + 1) + 1;
  if (colorType === 3) {
    if (!palette) throw new DecodeError('png', 'palette image without PLTE chunk');
    const out = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const idx = raw[rowStart(Math.floor(i / width)) + (i % width)];
      const p = idx * 3;
      if (p + 2 >= palette.length) throw new DecodeError('png', `palette index ${idx} out of range`);
      out[i * 3] = palette[p];
      out[i * 3 + 1] = palette[p + 1];
      out[i * 3 + 2] = palette[p + 2];
    }
    return { width, height, channels: 3, bitDepth: 8, data: out };
  }
  if (bitDepth === 8) {
    const out = new Uint8Array(n * channels);
    for (let y = 0; y < height; y++) out.set(raw.subarray(rowStart(y), rowStart(y) + stride), y * stride);
    return { width, height, channels, bitDepth: 8, data: out };
  }
  const perRow = width * channels;
  const out = new Uint16Array(n * channels);
  for (let y = 0; y < height; y++) {
    let j = rowStart(y);
    const o = y * perRow;
    for (let i = 0; i < perRow; i++, j += 2) out[o + i] = (raw[j] << 8) | raw[j + 1];
  }
  return { width, height, channels, bitDepth: 16, data: out };
}

/**
 * Reverses the PNG per-row filters in place (the JavaScript path, used where WebAssembly is unavailable; exported
 * for the tests that hold the WebAssembly kernel to it): row y's bytes end up at raw[y·(stride+1) + 1 ...] (after its filter
 * byte). Reading and writing the same bytes is safe because each byte depends only on itself and earlier bytes.
 */
export function unfilterInPlace(raw: Uint8Array, height: number, stride: number, bpp: number): void {
  const out = raw;
  let prev = -1; // offset of the previous (already reconstructed) row
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = src;
    switch (f) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < stride; i++) out[dst + i] = (raw[src + i] + out[dst + i - bpp]) & 255;
        break;
      case 2:
        if (prev >= 0) for (let i = 0; i < stride; i++) out[dst + i] = (raw[src + i] + out[prev + i]) & 255;
        break;
      case 3:
        if (prev < 0) {
          for (let i = bpp; i < stride; i++) out[dst + i] = (raw[src + i] + (out[dst + i - bpp] >> 1)) & 255;
        } else {
          for (let i = 0; i < bpp; i++) out[dst + i] = (raw[src + i] + (out[prev + i] >> 1)) & 255;
          for (let i = bpp; i < stride; i++) out[dst + i] = (raw[src + i] + ((out[dst + i - bpp] + out[prev + i]) >> 1)) & 255;
        }
        break;
      case 4:
        if (prev < 0) {
          // no row above: Paeth predicts the left byte
          for (let i = bpp; i < stride; i++) out[dst + i] = (raw[src + i] + out[dst + i - bpp]) & 255;
        } else {
          // first pixel: left and upper-left are 0, Paeth predicts the byte above
          for (let i = 0; i < bpp; i++) out[dst + i] = (raw[src + i] + out[prev + i]) & 255;
          // one pass per byte lane keeps left (a) and upper-left (c) in registers
          for (let lane = 0; lane < bpp; lane++) {
            let a = out[dst + lane];
            let c = out[prev + lane];
            for (let i = bpp + lane; i < stride; i += bpp) {
              const b = out[prev + i];
              let pa = b - c; // |p − a| with p = a + b − c
              let pb = a - c; // |p − b|
              let pc = pa + pb; // |p − c|
              // Branch-free: depth rows make the predictor choice unpredictable (≈ 25 % faster than if/else).
              let sign = pa >> 31;
              pa = (pa ^ sign) - sign;
              sign = pb >> 31;
              pb = (pb ^ sign) - sign;
              sign = pc >> 31;
              pc = (pc ^ sign) - sign;
              const pickA = ~(((pb - pa) | (pc - pa)) >> 31); // all ones when pa ≤ pb and pa ≤ pc
              const pickB = ~((pc - pb) >> 31); // all ones when pb ≤ pc
              const pred = (a & pickA) | (~pickA & ((b & pickB) | (c & ~pickB)));
              a = (raw[src + i] + pred) & 255;
              out[dst + i] = a;
              c = b;
            }
          }
        }
        break;
      default:
        throw new DecodeError('png', `invalid filter type ${f} on row ${y}`);
    }
    prev = dst;
  }
}

/** How raw 16-bit PNG values become depth. */
export interface Png16DepthOptions extends PngOptions {
  /** depth = value / scale (KITTI 256, NYU 1000, VKITTI2 100 (cm → m), TUM 5000). Default 1. */
  scale?: number;
  /** SUN RGB-D stores values bit-rotated: v' = (v >> 3) | (v << 13) (16-bit). */
  sunBitRotate?: boolean;
  /** Raw value meaning "no measurement" (default 0). */
  invalidValue?: number;
}

/** Decodes a single-channel 16-bit depth PNG to depth = value / scale, with a validity mask (value ≠ invalidValue). */
export function decodePng16Depth(bytes: Uint8Array, options: Png16DepthOptions = {}): DepthMap {
  const img = decodePng(bytes, options);
  if (img.bitDepth !== 16 || img.channels !== 1) {
    throw new DecodeError('png', `expected a 16-bit single-channel depth PNG, got ${img.bitDepth}-bit with ${img.channels} channel(s)`);
  }
  const scale = options.scale ?? 1;
  const invalid = options.invalidValue ?? 0;
  const src = img.data as Uint16Array;
  const n = src.length;
  const data = new Float32Array(n);
  const valid = new Uint8Array(n);
  const rotate = options.sunBitRotate === true;
  for (let i = 0; i < n; i++) {
    let v = src[i];
    if (rotate) v = ((v >> 3) | (v << 13)) & 0xffff;
    if (src[i] !== invalid) {
      data[i] = v / scale;
      valid[i] = 1;
    }
  }
  return finishDepthMap({ width: img.width, height: img.height, data, valid });
}
