export * from './exr.js';
export { decompressPiz, reverseLutFromBitmap, type PizChannel } from './piz.js';
export { hufUncompress, canonicalCodes, HUF_ENCSIZE } from './huffman.js';
export { wav2Decode, wdec14, wdec16, wenc14, wenc16 } from './wavelet.js';
