/** A decoded depth (or disparity) map, row-major, `data[y * width + x]`. */
export interface DepthMap {
  width: number;
  height: number;
  /** Depth in the dataset's unit after the decode rule's scale (usually metres). Invalid pixels hold 0, NaN or Inf. */
  data: Float32Array;
  /** Optional validity mask (1 = valid) from the file format itself (e.g. PNG value 0, PFM inf, raw 2047). */
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

/** Raw-inflate hook so Node can use native zlib and browsers the pure-JS fflate (the default). */
export type Inflate = (compressed: Uint8Array, expectedSize: number) => Uint8Array;

/** Limits that keep corrupt or hostile files from allocating giant buffers. */
export interface DecodeLimits {
  /** Maximum width × height accepted (default 2^27 ≈ 134 M pixels). */
  maxPixels?: number;
}

export const DEFAULT_MAX_PIXELS = 1 << 27;
