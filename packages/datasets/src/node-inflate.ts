import { inflateSync } from 'node:zlib';
import { DecodeError } from './errors.js';
import type { Inflate } from './types.js';

/** Native zlib inflate, bounded to the expected output size (a corrupt stream cannot allocate more). */
export const nodeInflate: Inflate = (compressed, expectedSize) => {
  try {
    const b = inflateSync(compressed, { maxOutputLength: Math.max(1, expectedSize) });
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE') throw new DecodeError('zlib', `data inflates beyond the expected ${expectedSize} bytes`);
    throw new DecodeError('zlib', `corrupt compressed data (${err.message})`);
  }
};
