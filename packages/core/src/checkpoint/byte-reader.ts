import { CheckpointError } from './errors.js';

/**
 * Random access to the bytes of one file. The browser reads from memory; Node reads from a file
 * handle (`core/node`), so a checkpoint's tensors are loaded one at a time instead of all at once.
 */
export interface ByteReader {
  /** Total size in bytes. */
  readonly size: number;
  /** Name used in error messages (file name or URL). */
  readonly label: string;
  /** Bytes [offset, offset + length); throws when the range leaves the file. */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** Checks that [offset, offset + length) lies inside a file of `size` bytes. */
export function checkRange(label: string, what: string, offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new CheckpointError(`${label}: ${what} (bytes ${offset}..${offset + length}) lies outside the file (${size} bytes)`);
  }
}

/** A `ByteReader` over bytes already in memory. */
export function bytesReader(input: Uint8Array, label = 'checkpoint'): ByteReader {
  const bytes = plainBytes(input);
  return {
    size: bytes.length,
    label,
    read(offset, length) {
      checkRange(label, 'read', offset, length, bytes.length);
      return bytes.subarray(offset, offset + length);
    },
    close() {},
  };
}

/**
 * A plain Uint8Array view of the same memory. Node's Buffer overrides `slice` to return a view, so
 * code that copies with `slice()` would alias the (pooled) buffer; readers hand out plain arrays.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
