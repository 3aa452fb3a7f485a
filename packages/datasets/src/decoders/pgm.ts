import { finishDepthMap } from '../depth-map.js';
import { checkDims, DecodeError } from '../errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type DepthMap } from '../types.js';
import { readHeaderTokens } from './pfm.js';

export interface PgmImage {
  width: number;
  height: number;
  maxValue: number;
  data: Uint16Array;
}

/**
 * Decodes a binary PGM (P5). 16-bit samples are big-endian per the spec; `littleEndian: true` reads the
 * NYU raw Kinect files (Open3D's NYU_depth.pgm), which store them little-endian.
 */
export function decodePgm(bytes: Uint8Array, options: DecodeLimits & { littleEndian?: boolean } = {}): PgmImage {
  const { tokens, end } = readHeaderTokens(bytes, 4, 'pgm', 1024);
  const [magic, ws, hs, ms] = tokens;
  if (magic !== 'P5') throw new DecodeError('pgm', `bad magic '${magic}' (only binary P5 is supported)`);
  const width = Number(ws);
  const height = Number(hs);
  const maxValue = Number(ms);
  checkDims('pgm', width, height, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  if (!Number.isInteger(maxValue) || maxValue <= 0 || maxValue > 65535) throw new DecodeError('pgm', `invalid maxval '${ms}'`);
  const bpp = maxValue > 255 ? 2 : 1;
  const n = width * height;
  if (end + n * bpp > bytes.length) throw new DecodeError('pgm', `truncated data: need ${n * bpp} bytes, file has ${bytes.length - end}`);
  const data = new Uint16Array(n);
  if (bpp === 1) for (let i = 0; i < n; i++) data[i] = bytes[end + i];
  else if (options.littleEndian) for (let i = 0; i < n; i++) data[i] = bytes[end + 2 * i] | (bytes[end + 2 * i + 1] << 8);
  else for (let i = 0; i < n; i++) data[i] = (bytes[end + 2 * i] << 8) | bytes[end + 2 * i + 1];
  return { width, height, maxValue, data };
}

/**
 * NYU Depth v2 raw Kinect disparity PGM → metres: depth = 351.3 / (1092.5 − raw); raw 2047 (and any value giving a
 * non-positive depth) is invalid. Samples are little-endian (the NYU toolbox quirk).
 */
export function decodeNyuRawPgm(bytes: Uint8Array, options: DecodeLimits = {}): DepthMap {
  const img = decodePgm(bytes, { ...options, littleEndian: true });
  const n = img.width * img.height;
  const data = new Float32Array(n);
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const raw = img.data[i];
    if (raw === 2047) continue;
    const d = 351.3 / (1092.5 - raw);
    if (d > 0 && Number.isFinite(d)) {
      data[i] = d;
      valid[i] = 1;
    }
  }
  return finishDepthMap({ width: img.width, height: img.height, data, valid });
}
