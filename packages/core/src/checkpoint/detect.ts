import { looksLikeZip } from './zip.js';

export type DetectedFormat = 'safetensors' | 'index-json' | 'torch-zip' | 'torch-legacy' | 'onnx' | 'unknown';

/** Bytes needed by `detectCheckpointFormat`. */
export const DETECT_BYTES = 16;

/**
 * Tells the format from the first bytes and the file size, never from the file name: a zip local
 * header (torch ≥ 1.6), a pickle PROTO opcode (torch's pre-1.6 format), a JSON object (an index),
 * or a little-endian u64 header length followed by `{` (safetensors; a length past the end of the file
 * is still reported as safetensors so its reader names the problem), or an ONNX ModelProto (field 1,
 * `ir_version`, a small varint, first — as every exporter writes it — then another ModelProto field).
 */
export function detectCheckpointFormat(prefix: Uint8Array, size: number): DetectedFormat {
  if (looksLikeZip(prefix)) return 'torch-zip';
  if (prefix.length >= 2 && prefix[0] === 0x80 && prefix[1] <= 5) return 'torch-legacy';
  // safetensors before JSON: its length prefix may start with 0x7b ('{'), but a u64 below 2^56 ends
  // in a zero byte, which JSON text never holds; byte 8 then opens the header.
  if (size >= 10 && prefix.length >= 9 && prefix[8] === 0x7b && prefix[7] === 0) return 'safetensors';
  if (looksLikeOnnx(prefix)) return 'onnx';
  let i = 0;
  while (
    i < prefix.length &&
    (prefix[i] === 0x20 || prefix[i] === 0x0a || prefix[i] === 0x0d || prefix[i] === 0x09 || prefix[i] === 0xef || prefix[i] === 0xbb || prefix[i] === 0xbf)
  )
    i++;
  if (i < prefix.length && prefix[i] === 0x7b) return 'index-json';
  return 'unknown';
}

/** ModelProto fields that follow `ir_version`: producer_name/version, domain, model_version, doc_string, graph, opset_import, metadata_props, training_info, functions. */
const ONNX_NEXT_TAGS = new Set([0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72, 0x7a, 0x82]);

/** `08 <ir_version 3..15> <tag of another ModelProto field>`. */
function looksLikeOnnx(prefix: Uint8Array): boolean {
  return prefix.length >= 3 && prefix[0] === 0x08 && prefix[1] >= 3 && prefix[1] <= 15 && ONNX_NEXT_TAGS.has(prefix[2]);
}
