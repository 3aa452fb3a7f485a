import jpeg from 'jpeg-js';
import { checkDims, DecodeError } from '../errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type RasterImage } from '../types.js';

/** True when the bytes start with a JPEG SOI marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decodes a baseline/progressive JPEG to 8-bit RGB (pure JS, jpeg-js). */
export function decodeJpeg(bytes: Uint8Array, options: DecodeLimits = {}): RasterImage {
  if (!isJpeg(bytes)) throw new DecodeError('jpeg', 'missing JPEG SOI marker');
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 8) / 2 ** 20)),
    });
  } catch (e) {
    throw new DecodeError('jpeg', `corrupt or unsupported JPEG (${(e as Error).message})`);
  }
  checkDims('jpeg', img.width, img.height, maxPixels);
  return { width: img.width, height: img.height, channels: 3, bitDepth: 8, data: img.data };
}
