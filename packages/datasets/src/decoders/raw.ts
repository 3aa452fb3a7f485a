import { finishDepthMap } from '../depth-map.js';
import { DecodeError } from '../errors.js';
import type { DepthMap } from '../types.js';

/** Headerless float32 depth (ETH3D `ground_truth_masked`: 6048×4032, little-endian, inf = invalid). */
export function decodeRawFloat32(bytes: Uint8Array, width: number, height: number, littleEndian = true): DepthMap {
  const n = width * height;
  if (bytes.length !== n * 4) throw new DecodeError('raw-f32', `expected ${n * 4} bytes for ${width}x${height} float32, got ${bytes.length}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(n);
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = dv.getFloat32(i * 4, littleEndian);
    data[i] = v;
    valid[i] = Number.isFinite(v) && v > 0 ? 1 : 0;
  }
  return finishDepthMap({ width, height, data, valid });
}
