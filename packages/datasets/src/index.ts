export * from './types.js';
export { DecodeError } from './errors.js';
export { finishDepthMap } from './depth-map.js';
export { ByteReader } from './byte-reader.js';
export { crc32, adler32 } from './checksums.js';
export { halfToFloat, halfArrayToFloat32, halfTable } from './float16.js';
export { fflateInflate } from './inflate.js';
export { decodePng, decodePng16Depth, isPng, type PngOptions, type Png16DepthOptions } from './decoders/png.js';
export { decodeJpeg, isJpeg, jpegMemoryBudget } from './decoders/jpeg.js';
export { decodeNpy, decodeNpz, decodeNpyDepth, npyToDepth, type NpyArray } from './decoders/npy.js';
export { decodePfm } from './decoders/pfm.js';
export { decodePgm, decodeNyuRawPgm, type PgmImage } from './decoders/pgm.js';
export { decodeRawFloat32 } from './decoders/raw.js';
export * from './exr/index.js';
export * from './hypersim.js';
export * from './rules.js';
/** The embedded-WebAssembly loader of the PNG unfilter, shared with @anydepth/data-quality's score-codes kernel. */
export { EmbeddedWasm } from './wasm/embedded.js';
