import zlib from 'node:zlib';
import { DecodeError } from './errors.js';
import type { Inflate } from './types.js';

/** Native zlib inflate, bounded to the expected output size (a corrupt stream cannot allocate more). */
export const nodeInflate: Inflate = (compressed, expectedSize) => {
  try {
    // One output chunk of the expected size: no re-allocation and concatenation of 16 KiB chunks (≈ −30 % time).
    const size = Math.max(64, expectedSize);
    const b = zlib.inflateSync(compressed, { maxOutputLength: Math.max(1, expectedSize), chunkSize: size });
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') throw new DecodeError('zlib', `data inflates beyond the expected ${expectedSize} bytes`);
    throw new DecodeError('zlib', `corrupt compressed data (${err.message})`);
  }
};

// Native CRC-32 (Node ≥ 20.15) for PNG chunk checks: ≈ 5× faster than the JavaScript one.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
if (typeof nativeCrc32 === 'function') nodeInflate.crc32 = (bytes) => nativeCrc32(bytes);
