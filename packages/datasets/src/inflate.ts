import { unzlibSync } from 'fflate';
import { adler32 } from './checksums.js';
import { DecodeError } from './errors.js';
import type { Inflate } from './types.js';

/**
 * zlib-stream inflate with pure-JS fflate into a buffer of the expected size (never grows beyond it), with the checks
 * native zlib makes: the Adler-32 trailer must match, and a stream that inflates to more than expected is an error.
 */
export const fflateInflate: Inflate = (compressed, expectedSize) => {
  // One spare byte: a stream that fills it holds more data than the caller expects.
  const out = new Uint8Array(expectedSize + 1);
  let result: Uint8Array;
  try {
    result = unzlibSync(compressed, { out });
  } catch (e) {
    // fflate reports its own format errors as plain Errors; a RangeError is a write past the fixed output buffer.
    if (e instanceof RangeError) throw new DecodeError('zlib', `data inflates beyond the expected ${expectedSize} bytes`);
    throw new DecodeError('zlib', `corrupt compressed data (${(e as Error).message})`);
  }
  if (result.length > expectedSize) throw new DecodeError('zlib', `data inflates beyond the expected ${expectedSize} bytes`);
  const n = compressed.length;
  const stored = n >= 6 ? ((compressed[n - 4] << 24) | (compressed[n - 3] << 16) | (compressed[n - 2] << 8) | compressed[n - 1]) >>> 0 : -1;
  if (adler32(result) !== stored) throw new DecodeError('zlib', 'corrupt compressed data (Adler-32 mismatch)');
  return result;
};
