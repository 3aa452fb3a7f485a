/** A decoded depth (or disparity) map, row-major, `data[y * width + x]`. */
export interface DepthMap {
  width: number;
  height: number;
  /** Depth in the dataset's unit after the decode rule's scale (usually metres). Invalid pixels hold 0, NaN or Inf. */
  data: Float32Array;
  /**
   * Validity mask (1 = valid) from the file format itself (e.g. PNG value 0, PFM inf, raw 2047). Every decoder of this
   * package sets it through `finishDepthMap`, so a NaN or ±Inf value is never marked valid.
   */
  valid?: Uint8Array;
}

/** A decoded 8-bit (or 16-bit) raster image, interleaved channels, row-major. */
export interface RasterImage {
  width: number;
  height: number;
  channels: number;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}

/**
 * zlib-stream inflate hook so Node can use native zlib and browsers the pure-JS fflate (the default). It returns
 * exactly `expectedSize` bytes or throws: a stream that is corrupt (Adler-32), short or longer than expected is an error.
 * `crc32`, when the implementation has a fast one (Node's zlib), is used for PNG chunk checks.
 */
export type Inflate = ((compressed: Uint8Array, expectedSize: number) => Uint8Array) & { crc32?: (bytes: Uint8Array) => number };

/**
 * Budgets that keep corrupt or hostile files from allocating giant buffers: a decode refuses, before allocating,
 * anything beyond them. Raise them for unusually large, trusted files.
 */
export interface DecodeLimits {
  /** Maximum width × height accepted (default 2^25 ≈ 33.5 M pixels: ETH3D's 6048×4032 fits). */
  maxPixels?: number;
  /** Maximum bytes one decode may inflate or allocate for its output (default 256 MiB). */
  maxBytes?: number;
}

export const DEFAULT_MAX_PIXELS = 1 << 25;
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
