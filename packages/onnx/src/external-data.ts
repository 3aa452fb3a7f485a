import type { Initializer } from './graph-builder.js';
import { type OnnxTypes, onnx } from './proto.js';

/** protobuf messages are limited to 2 GiB; stay clear of it with the graph itself in the same message. */
export const INLINE_WEIGHT_LIMIT = 2 ** 31 - 64 * 2 ** 20;

export interface ExternalDataOptions {
  /** Store weights in a separate file: `'auto'` (default) when they would not fit in a 2 GiB protobuf, or always / never. */
  externalData?: boolean | 'auto';
  /** The weights file name written into each initializer's `location` (relative to the model file). Default `model.onnx.data`. */
  externalDataLocation?: string;
}

export interface InitializerPlacement {
  tensors: OnnxTypes.ITensorProto[];
  external: { location: string; chunks: Uint8Array[]; byteLength: number } | null;
  weightBytes: number;
}

/** External data offsets are aligned like onnx's own saver does for large tensors (page size). */
const ALIGN = 4096;

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('ONNX export: raw tensor data is little-endian; this platform is big-endian');
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Turns weights into TensorProtos, inline (`raw_data`) or in one external file (`location`, `offset`, `length`). */
export function placeInitializers(initializers: Initializer[], options: ExternalDataOptions): InitializerPlacement {
  const weightBytes = initializers.reduce((n, t) => n + t.data.byteLength, 0);
  const mode = options.externalData ?? 'auto';
  const external = mode === true || (mode === 'auto' && weightBytes > INLINE_WEIGHT_LIMIT);
  if (mode === false && weightBytes > INLINE_WEIGHT_LIMIT) {
    throw new Error(`ONNX export: ${(weightBytes / 2 ** 30).toFixed(2)} GiB of weights do not fit in one protobuf (2 GiB); use externalData`);
  }
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  if (!external) {
    return {
      tensors: initializers.map((t) => ({ name: t.name, dims: t.dims, dataType: FLOAT, rawData: littleEndianBytes(t.data) })),
      external: null,
      weightBytes,
    };
  }
  const location = options.externalDataLocation ?? 'model.onnx.data';
  if (location.includes('..') || location.startsWith('/') || /^[a-zA-Z]:/.test(location)) {
    throw new Error(`ONNX export: externalDataLocation '${location}' must be a plain file name relative to the model`);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const tensors = initializers.map((t): OnnxTypes.ITensorProto => {
    const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
    if (pad) {
      chunks.push(new Uint8Array(pad));
      offset += pad;
    }
    const bytes = littleEndianBytes(t.data);
    chunks.push(bytes);
    const entry = {
      name: t.name,
      dims: t.dims,
      dataType: FLOAT,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.byteLength) },
      ],
    };
    offset += bytes.byteLength;
    return entry;
  });
  return { tensors, external: { location, chunks, byteLength: offset }, weightBytes };
}
