import { unzlibSync } from 'fflate';
import { DecodeError } from './errors.js';
import type { Inflate } from './types.js';

/** zlib-stream inflate with pure-JS fflate into a buffer of the expected size (never grows beyond it). */
export const fflateInflate: Inflate = (compressed, expectedSize) => {
  const out = new Uint8Array(expectedSize);
  let result: Uint8Array;
  try {
    result = unzlibSync(compressed, { out });
  } catch (e) {
    throw new DecodeError('zlib', `corrupt compressed data (${(e as Error).message})`);
  }
  return result;
};
