import { finishDepthMap } from '../depth-map.js';
import { checkDims, DecodeError } from '../errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type DepthMap } from '../types.js';

/** Reads whitespace-separated ASCII header tokens (PFM/PGM), bounded to the first `limit` bytes. */
export function readHeaderTokens(bytes: Uint8Array, count: number, format: string, limit = 256): { tokens: string[]; end: number } {
  const tokens: string[] = [];
  let i = 0;
  const max = Math.min(bytes.length, limit);
  while (tokens.length < count) {
    while (i < max && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0x23)) {
      if (bytes[i] === 0x23)
        while (i < max && bytes[i] !== 0x0a) i++; // comment
      else i++;
    }
    const start = i;
    while (i < max && bytes[i] > 0x20) i++;
    if (i === start || i >= max) throw new DecodeError(format, 'truncated or malformed header');
    tokens.push(String.fromCharCode(...bytes.subarray(start, i)));
  }
  return { tokens, end: i + 1 }; // exactly one whitespace byte after the last token
}

/**
 * Decodes a PFM ("Pf" grey, "PF" colour: channel 0 is returned). A negative scale means little-endian.
 * Rows are stored bottom-to-top and are flipped here. Non-finite values are invalid.
 */
export function decodePfm(bytes: Uint8Array, options: DecodeLimits & { channel?: number } = {}): DepthMap & { channels: number; scale: number } {
  const { tokens, end } = readHeaderTokens(bytes, 4, 'pfm');
  const [magic, ws, hs, ss] = tokens;
  if (magic !== 'Pf' && magic !== 'PF') throw new DecodeError('pfm', `bad magic '${magic}' (expected Pf or PF)`);
  const channels = magic === 'PF' ? 3 : 1;
  const width = Number(ws);
  const height = Number(hs);
  const scale = Number(ss);
  checkDims('pfm', width, height, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  if (!Number.isFinite(scale) || scale === 0) throw new DecodeError('pfm', `invalid scale '${ss}'`);
  const little = scale < 0;
  const need = width * height * channels * 4;
  if (end + need > bytes.length) throw new DecodeError('pfm', `truncated data: need ${need} bytes, file has ${bytes.length - end}`);
  const channel = options.channel ?? 0;
  if (channel < 0 || channel >= channels) throw new DecodeError('pfm', `channel ${channel} out of range`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + end, need);
  const n = width * height;
  const data = new Float32Array(n);
  const valid = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    const srcRow = height - 1 - y;
    for (let x = 0; x < width; x++) {
      const v = view.getFloat32(((srcRow * width + x) * channels + channel) * 4, little);
      const i = y * width + x;
      data[i] = v;
      valid[i] = Number.isFinite(v) ? 1 : 0;
    }
  }
  return { ...finishDepthMap({ width, height, data, valid }), channels, scale: Math.abs(scale) };
}
