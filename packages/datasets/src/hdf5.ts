import { open } from 'node:fs/promises';
import { finishDepthMap } from './depth-map.js';
import { checkBytes, checkDims, DecodeError } from './errors.js';
import { halfTable } from './float16.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, type DecodeLimits, type DepthMap } from './types.js';

// h5wasm's Node build reads files straight from the file system (no download, no network).
type H5Module = {
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPU8: Uint8Array;
  get_dataset_data(fileId: bigint, path: string, count: null, offset: null, strides: null, ptr: bigint): number;
};

let h5: Promise<typeof import('h5wasm/node')> | undefined;
async function h5wasm(): Promise<typeof import('h5wasm/node')> {
  h5 ??= import('h5wasm/node').then(async (m) => {
    // Use the namespace (live bindings): `Module` is only assigned once `ready` resolves.
    await m.ready;
    return m;
  });
  return h5;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** The HDF5 superblock signature sits at offset 0, 512, 1024, 2048, … (after an optional user block). */
async function checkSignature(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new DecodeError('file', `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const { size } = await fh.stat();
    for (let off = 0; off + 8 <= size && off <= 1 << 20; off = off === 0 ? 512 : off * 2) {
      const buf = new Uint8Array(8);
      await fh.read(buf, 0, 8, off);
      if (SIGNATURE.every((v, i) => buf[i] === v)) return;
    }
  } finally {
    await fh.close();
  }
  throw new DecodeError('hdf5', `${path} is not an HDF5 file (no superblock signature)`);
}

/**
 * Reads a 2-D numeric HDF5 dataset as float32 (Node only, via h5wasm). Handles float16 itself (h5wasm cannot on
 * Node 20), float32/64 and integers. Default dataset name "dataset" (Hypersim).
 */
export async function readHdf5Depth(path: string, dataset = 'dataset', limits: DecodeLimits = {}): Promise<DepthMap> {
  await checkSignature(path);
  const lib = await h5wasm();
  let file: InstanceType<typeof lib.File>;
  try {
    file = new lib.File(path, 'r');
  } catch (e) {
    throw new DecodeError('hdf5', `cannot open ${path} (${(e as Error).message})`);
  }
  try {
    const d = file.get(dataset);
    if (!d || !(d instanceof lib.Dataset)) throw new DecodeError('hdf5', `${path} has no dataset '${dataset}'`);
    const meta = d.metadata as { shape?: number[]; type: number; size: number; signed: boolean; littleEndian: boolean; total_size: number };
    const shape = (meta.shape ?? []).filter((s, i, a) => !(s === 1 && a.length > 2));
    if (shape.length !== 2) throw new DecodeError('hdf5', `dataset '${dataset}' has shape (${meta.shape?.join(', ')}), expected 2-D`);
    const [height, width] = shape;
    checkDims('hdf5', width, height, limits.maxPixels ?? DEFAULT_MAX_PIXELS);
    const n = meta.total_size;
    if (n !== width * height) throw new DecodeError('hdf5', `dataset '${dataset}' holds ${n} values for a ${width}x${height} map`);
    const nbytes = n * meta.size;
    checkBytes('hdf5', `dataset '${dataset}' (${width}x${height}, ${meta.size}-byte values)`, nbytes + n * 5, limits.maxBytes ?? DEFAULT_MAX_BYTES);
    const mod = lib.Module as unknown as H5Module;
    const ptr = mod._malloc(nbytes);
    if (!ptr) throw new DecodeError('hdf5', `cannot allocate ${nbytes} bytes`);
    let raw: Uint8Array;
    try {
      const fileId = (file as unknown as { file_id: bigint }).file_id;
      mod.get_dataset_data(fileId, d.path, null, null, null, BigInt(ptr));
      raw = mod.HEAPU8.slice(ptr, ptr + nbytes);
    } finally {
      mod._free(ptr);
    }
    const dv = new DataView(raw.buffer);
    const le = meta.littleEndian !== false;
    const data = new Float32Array(n);
    const isFloat = meta.type === 1;
    if (isFloat && meta.size === 2) {
      const t = halfTable();
      for (let i = 0; i < n; i++) data[i] = t[dv.getUint16(i * 2, le)];
    } else if (isFloat && meta.size === 4) for (let i = 0; i < n; i++) data[i] = dv.getFloat32(i * 4, le);
    else if (isFloat && meta.size === 8) for (let i = 0; i < n; i++) data[i] = dv.getFloat64(i * 8, le);
    else if (meta.type === 0 && meta.size === 2) for (let i = 0; i < n; i++) data[i] = meta.signed ? dv.getInt16(i * 2, le) : dv.getUint16(i * 2, le);
    else if (meta.type === 0 && meta.size === 4) for (let i = 0; i < n; i++) data[i] = meta.signed ? dv.getInt32(i * 4, le) : dv.getUint32(i * 4, le);
    else if (meta.type === 0 && meta.size === 1) for (let i = 0; i < n; i++) data[i] = meta.signed ? dv.getInt8(i) : dv.getUint8(i);
    else throw new DecodeError('hdf5', `dataset '${dataset}' has unsupported element type (class ${meta.type}, ${meta.size} bytes)`);
    return finishDepthMap({ width, height, data });
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError('hdf5', `cannot read dataset '${dataset}' of ${path} (${(e as Error).message ?? e})`);
  } finally {
    file.close();
  }
}
