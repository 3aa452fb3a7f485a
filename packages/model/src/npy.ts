/** A little-endian float32 `.npy` (version 1.0) of a [height, width] map, readable by `numpy.load`. */
export function encodeNpyFloat32(values: Float32Array, shape: number[]): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const headerLen = Math.ceil(unpadded / 64) * 64 - 10;
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  const out = new Uint8Array(10 + headerLen + values.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, headerLen, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 10 + headerLen);
  return out;
}
