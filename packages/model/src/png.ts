import { zlibSync } from 'fflate';
import { finiteRange } from './finite-range.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/**
 * Encodes a PNG. `colorType` 0 = grey, 2 = RGB, 6 = RGBA; `bitDepth` 8 or 16 (16-bit samples are
 * given as numbers 0..65535 and stored big-endian as PNG requires). (test-utils keeps an independent PNG writer
 * on purpose, to test decoders and this writer against.)
 */
export function encodePng(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  { colorType, bitDepth }: { colorType: 0 | 2 | 6; bitDepth: 8 | 16 },
): Uint8Array {
  const channels = colorType === 0 ? 1 : colorType === 2 ? 3 : 4;
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: ${pixels.length} samples for ${width}×${height}×${channels}`);
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * channels * bytesPerSample;
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1);
    raw[o] = 0; // filter type None
    for (let i = 0; i < width * channels; i++) {
      const v = pixels[y * width * channels + i];
      if (bitDepth === 16) {
        raw[o + 1 + 2 * i] = (v >>> 8) & 0xff;
        raw[o + 2 + 2 * i] = v & 0xff;
      } else raw[o + 1 + i] = v;
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  const sig = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
  const parts = [sig, chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * A 16-bit greyscale PNG of a disparity (or depth) map, min–max normalised to 0..65535 unless a
 * `scale` is given (then stored as round(value·scale), e.g. 1000 for millimetres).
 */
export function encodePng16(values: Float32Array, width: number, height: number, options: { scale?: number } = {}): Uint8Array {
  let mul = options.scale ?? 0;
  let lo = 0;
  if (!options.scale) {
    const { min, max } = finiteRange(values);
    lo = Number.isFinite(min) ? min : 0;
    mul = max > min ? 65535 / (max - min) : 0;
  }
  const q = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    q[i] = Number.isFinite(v) ? Math.min(65535, Math.max(0, Math.round((v - lo) * mul))) : 0;
  }
  return encodePng(q, width, height, { colorType: 0, bitDepth: 16 });
}
