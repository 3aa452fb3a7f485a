import { DecodeError } from '../errors.js';
import { hufUncompress } from './huffman.js';
import { wav2Decode } from './wavelet.js';

const USHORT_RANGE = 1 << 16;
const BITMAP_SIZE = USHORT_RANGE >> 3;

/** One channel of a PIZ block: its width, number of lines and size in 16-bit words per sample (half 1, float/uint 2). */
export interface PizChannel {
  nx: number;
  ny: number;
  size: number;
}

/** Builds the reverse lookup table of PIZ's value-range compression; returns the largest index. */
export function reverseLutFromBitmap(bitmap: Uint8Array, lut: Uint16Array): number {
  let k = 0;
  for (let i = 0; i < USHORT_RANGE; i++) {
    if (i === 0 || bitmap[i >> 3] & (1 << (i & 7))) lut[k++] = i;
  }
  const n = k - 1;
  while (k < USHORT_RANGE) lut[k++] = 0;
  return n;
}

/**
 * Decompresses one PIZ block (ImfPizCompressor.cpp uncompress) into interleaved scanline order:
 * for each line, for each channel, nx·size 16-bit words (little-endian bytes when viewed as Uint8Array).
 */
export function decompressPiz(bytes: Uint8Array, offset: number, length: number, channels: PizChannel[]): Uint16Array {
  const end = offset + length;
  const fail = (m: string): never => {
    throw new DecodeError('exr-piz', m);
  };
  if (end > bytes.length || length < 4) fail('truncated block');
  let total = 0;
  for (const c of channels) total += c.nx * c.ny * c.size;
  const tmp = new Uint16Array(total);
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  let p = offset;
  const minNonZero = dv.getUint16(p, true);
  const maxNonZero = dv.getUint16(p + 2, true);
  p += 4;
  if (maxNonZero >= BITMAP_SIZE) fail(`bitmap range ${minNonZero}..${maxNonZero} out of bounds`);
  const bitmap = new Uint8Array(BITMAP_SIZE);
  if (minNonZero <= maxNonZero) {
    const n = maxNonZero - minNonZero + 1;
    if (p + n > end) fail('truncated bitmap');
    bitmap.set(bytes.subarray(p, p + n), minNonZero);
    p += n;
  }
  const lut = new Uint16Array(USHORT_RANGE);
  const maxValue = reverseLutFromBitmap(bitmap, lut);
  if (p + 4 > end) fail('truncated block (huffman length)');
  const hufLength = dv.getInt32(p, true);
  p += 4;
  if (hufLength < 0 || p + hufLength > end) fail(`huffman length ${hufLength} exceeds the block`);
  hufUncompress(bytes, p, hufLength, tmp, total);
  // Inverse wavelet per channel component.
  let start = 0;
  const starts: number[] = [];
  for (const c of channels) {
    starts.push(start);
    for (let j = 0; j < c.size; j++) wav2Decode(tmp, start + j, c.nx, c.size, c.ny, c.nx * c.size, maxValue);
    start += c.nx * c.ny * c.size;
  }
  // Undo the range compression.
  for (let i = 0; i < total; i++) tmp[i] = lut[tmp[i]];
  // Reorder channel-planar → scanline-interleaved.
  const out = new Uint16Array(total);
  const ny = channels.length ? channels[0].ny : 0;
  let o = 0;
  const cursors = starts.slice();
  for (let y = 0; y < ny; y++) {
    for (let ci = 0; ci < channels.length; ci++) {
      const c = channels[ci];
      const n = c.nx * c.size;
      out.set(tmp.subarray(cursors[ci], cursors[ci] + n), o);
      cursors[ci] += n;
      o += n;
    }
  }
  return out;
}
