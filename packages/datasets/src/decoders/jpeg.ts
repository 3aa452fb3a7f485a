import jpeg from 'jpeg-js';
import { ByteReader } from '../byte-reader.js';
import { checkDims, DecodeError } from '../errors.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type DecodeLimits, type RasterImage } from '../types.js';

/** True when the bytes start with a JPEG SOI marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

interface Frame {
  width: number;
  height: number /** Blocks of the component with the most 8×8 blocks. */;
  maxBlocks: number;
}

/** Size and block count from the first SOFn marker before the first scan, or undefined when there is none. */
function frameSize(bytes: Uint8Array): Frame | undefined {
  const r = new ByteReader(bytes, 'jpeg', 2);
  while (r.remaining >= 2) {
    if (r.u8('marker') !== 0xff) return undefined; // not at a marker: leave the diagnosis to the decoder
    let marker = r.u8('marker');
    while (marker === 0xff && r.remaining > 0) marker = r.u8('marker'); // fill bytes
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue; // standalone markers
    if (marker === 0xd9 || marker === 0xda) return undefined; // EOI or SOS before any frame
    const len = r.u16be('segment length');
    if (len < 2) return undefined;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      const seg = new ByteReader(r.take(len - 2, 'frame header'), 'jpeg');
      seg.skip(1, 'sample precision');
      const height = seg.u16be('frame height');
      const width = seg.u16be('frame width');
      const n = seg.u8('component count');
      const sampling: Array<[number, number]> = [];
      for (let c = 0; c < n; c++) {
        seg.skip(1, 'component id');
        const hv = seg.u8('sampling factors');
        seg.skip(1, 'quantisation table');
        sampling.push([Math.max(1, hv >> 4), Math.max(1, hv & 15)]);
      }
      const hMax = Math.max(1, ...sampling.map((s) => s[0]));
      const vMax = Math.max(1, ...sampling.map((s) => s[1]));
      let maxBlocks = 0;
      for (const [h, v] of sampling) {
        maxBlocks = Math.max(maxBlocks, Math.ceil(Math.ceil((width * h) / hMax) / 8) * Math.ceil(Math.ceil((height * v) / vMax) / 8));
      }
      return { width, height, maxBlocks };
    }
    r.skip(len - 2, `segment 0x${marker.toString(16)}`);
  }
  return undefined;
}

/**
 * The memory cap handed to jpeg-js: `maxBytes` when the caller sets it, else enough for a full `maxPixels` 4:4:4 photo
 * (jpeg-js counts 4-byte coefficients per pixel and component, a line buffer per component and the RGB output, about
 * 18 bytes per pixel; 24 leaves room), and never below the default byte budget.
 */
export function jpegMemoryBudget(options: DecodeLimits): number {
  return options.maxBytes ?? Math.max(DEFAULT_MAX_BYTES, 24 * (options.maxPixels ?? DEFAULT_MAX_PIXELS));
}

/**
 * Decodes a baseline/progressive JPEG to 8-bit RGB (pure JS, jpeg-js). The frame size is checked against `maxPixels`
 * before decoding, and jpeg-js's own resolution and memory caps come from the same `maxPixels` / `maxBytes` budget.
 */
export function decodeJpeg(bytes: Uint8Array, options: DecodeLimits = {}): RasterImage {
  if (!isJpeg(bytes)) throw new DecodeError('jpeg', 'missing JPEG SOI marker');
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxBytes = jpegMemoryBudget(options);
  const frame = frameSize(bytes);
  if (frame && frame.height > 0) {
    checkDims('jpeg', frame.width, frame.height, maxPixels);
    // Every block of a component is coded in its first (DC) scan with a Huffman code of at least one bit, baseline or
    // progressive: a file too short for that is truncated, and jpeg-js would spend seconds decoding the missing data.
    const minBytes = Math.ceil(frame.maxBlocks / 8);
    if (bytes.length < minBytes) {
      throw new DecodeError(
        'jpeg',
        `truncated file: a ${frame.width}x${frame.height} frame has ${frame.maxBlocks} blocks in one component, which need at least ${minBytes} bytes of scan data; the file has ${bytes.length}`,
      );
    }
  }
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: maxBytes / 2 ** 20,
    });
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    if (message.includes('maxMemoryUsageInMB')) throw new DecodeError('jpeg', `decoding needs more than the ${maxBytes}-byte budget (raise maxBytes)`);
    if (message.includes('maxResolutionInMP')) throw new DecodeError('jpeg', `image exceeds the limit of ${maxPixels} pixels`);
    throw new DecodeError('jpeg', `corrupt or unsupported JPEG (${message})`);
  }
  checkDims('jpeg', img.width, img.height, maxPixels);
  return { width: img.width, height: img.height, channels: 3, bitDepth: 8, data: img.data };
}
