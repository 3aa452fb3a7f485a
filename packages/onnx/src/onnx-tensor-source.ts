import { CheckpointError, type HostTensor, type SafetensorsDType, type TensorSource } from '@anydepth/core';
import { bf16ToFloat, halfToFloat } from '@anydepth/core/internal';
import { type OnnxTypes, onnx, toNumber } from './proto.js';

export interface OnnxTensorSourceOptions {
  /**
   * Bytes of an external data file by its `location` (relative to the model). Needed when initializers
   * live outside the model (`@anydepth/onnx/node`'s `readOnnxFile` supplies it from disk).
   */
  externalData?: (location: string) => Uint8Array;
  /**
   * Name Linear weights that an exporter constant-folded into anonymous MatMul operands
   * (`onnx::MatMul_1234`, stored transposed [in, out]) after the bias their MatMul feeds
   * (`….query.bias` → `….query.weight`, back in PyTorch's [out, in] layout). Default true.
   */
  recoverFoldedLinears?: boolean;
}

interface Entry {
  tensor: OnnxTypes.ITensorProto;
  /** Stored [in, out] under an anonymous name: transpose to [out, in] on read. */
  transpose: boolean;
}

const DT = onnx.TensorProto.DataType;

/** What a name looks like when an exporter made it up rather than taking it from the module tree. */
export function isAnonymousName(name: string): boolean {
  return name.startsWith('onnx::') || /^(val|const|_v|Constant)_?\d+$/i.test(name) || !name.includes('.');
}

const DTYPES = new Map<number, SafetensorsDType>([
  [DT.FLOAT, 'F32'],
  [DT.DOUBLE, 'F64'],
  [DT.FLOAT16, 'F16'],
  [DT.BFLOAT16, 'BF16'],
  [DT.INT64, 'I64'],
  [DT.INT32, 'I32'],
  [DT.INT16, 'I16'],
  [DT.INT8, 'I8'],
  [DT.UINT8, 'U8'],
  [DT.BOOL, 'BOOL'],
]);

function dtypeOf(t: OnnxTypes.ITensorProto): SafetensorsDType {
  const dtype = DTYPES.get(t.dataType ?? -1);
  if (!dtype) throw new CheckpointError(`ONNX initializer '${t.name}': data type ${t.dataType} is not supported`);
  return dtype;
}

const BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** An aligned copy of the bytes (protobuf hands out unaligned views; a Node Buffer's slice() would share memory). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer as ArrayBuffer;
}

/**
 * The initializers of an ONNX model as a {@link TensorSource}: `loadStateDict`, the model loaders and
 * `openCheckpoint` read it like a safetensors file. Names are the graph's initializer names (the
 * PyTorch state-dict names for graphs exported by this project, by `torch.onnx` and by optimum), plus
 * Linear weights recovered from folded MatMul operands (see `recoverFoldedLinears`). Tensors are
 * decoded lazily; `unnamed` lists initializers that kept an anonymous name.
 */
export class OnnxTensorSource implements TensorSource {
  readonly metadata: Record<string, string>;
  /** Initializers whose names say nothing about the module they belong to (not loadable by name). */
  readonly unnamed: string[];
  /** Recovered names → the anonymous initializer they came from. */
  readonly recovered: Record<string, string> = {};
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly model: OnnxTypes.ModelProto,
    private readonly options: OnnxTensorSourceOptions = {},
  ) {
    const graph = model.graph;
    if (!graph) throw new CheckpointError('ONNX model has no graph');
    this.metadata = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
    for (const t of graph.initializer ?? []) {
      if (!t.name) continue;
      this.entries.set(t.name, { tensor: t, transpose: false });
    }
    if (options.recoverFoldedLinears ?? true) this.recoverLinears(graph);
    this.unnamed = [...this.entries.keys()].filter((k) => isAnonymousName(k) && !Object.values(this.recovered).includes(k));
  }

  /** Parses a serialised ModelProto. */
  static fromBytes(bytes: Uint8Array, options: OnnxTensorSourceOptions = {}): OnnxTensorSource {
    let model: OnnxTypes.ModelProto;
    try {
      model = onnx.ModelProto.decode(bytes);
    } catch (e) {
      throw new CheckpointError(`not an ONNX model: ${(e as Error).message}`);
    }
    return new OnnxTensorSource(model, options);
  }

  private recoverLinears(graph: OnnxTypes.IGraphProto): void {
    const consumers = new Map<string, OnnxTypes.INodeProto[]>();
    for (const n of graph.node ?? []) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
    for (const n of graph.node ?? []) {
      if (n.opType !== 'MatMul' || !n.input || n.input.length < 2) continue;
      const w = n.input[1];
      const entry = this.entries.get(w);
      if (!entry || !isAnonymousName(w) || (entry.tensor.dims ?? []).length !== 2) continue;
      const add = (consumers.get(n.output?.[0] ?? '') ?? []).find((c) => c.opType === 'Add');
      const bias = add?.input?.find((i) => i !== n.output?.[0] && i.endsWith('.bias') && this.entries.has(i));
      if (!bias) continue;
      const name = `${bias.slice(0, -'.bias'.length)}.weight`;
      if (this.entries.has(name) || this.recovered[name]) continue;
      this.entries.set(name, { tensor: entry.tensor, transpose: true });
      this.recovered[name] = w;
    }
  }

  keys(): string[] {
    return [...this.entries.keys()].filter((k) => !Object.values(this.recovered).includes(k));
  }

  shapeOf(name: string): number[] | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const dims = (e.tensor.dims ?? []).map((d) => toNumber(d, `dim of '${name}'`));
    return e.transpose ? [dims[1], dims[0]] : dims;
  }

  /** The element type `get` returns (float16 / bfloat16 are widened to F32), without decoding. */
  dtypeOf(name: string): SafetensorsDType | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const dtype = dtypeOf(e.tensor);
    return dtype === 'F16' || dtype === 'BF16' ? 'F32' : dtype;
  }

  get(name: string): HostTensor | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const host = this.decode(e.tensor);
    return e.transpose ? transpose2d(host) : host;
  }

  private rawBytes(t: OnnxTypes.ITensorProto, dtype: SafetensorsDType, count: number): Uint8Array | null {
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
      const info = Object.fromEntries((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
      if (!info.location) throw new CheckpointError(`ONNX initializer '${t.name}': external data without a location`);
      if (!this.options.externalData)
        throw new CheckpointError(
          `ONNX initializer '${t.name}' is in external file '${info.location}': pass options.externalData (or use readOnnxFile from @anydepth/onnx/node)`,
        );
      const file = this.options.externalData(info.location);
      const offset = Number(info.offset ?? 0);
      const length = info.length !== undefined ? Number(info.length) : count * BYTES[dtype];
      if (!(offset >= 0 && length >= 0 && offset + length <= file.byteLength)) {
        throw new CheckpointError(
          `ONNX initializer '${t.name}': bytes ${offset}..${offset + length} are outside '${info.location}' (${file.byteLength} bytes)`,
        );
      }
      return file.subarray(offset, offset + length);
    }
    return t.rawData?.length ? t.rawData : null;
  }

  private decode(t: OnnxTypes.ITensorProto): HostTensor {
    const dtype = dtypeOf(t);
    const shape = (t.dims ?? []).map((d) => toNumber(d, `dim of '${t.name}'`));
    const count = shape.reduce((a, b) => a * b, 1);
    const raw = this.rawBytes(t, dtype, count);
    if (raw) {
      if (raw.byteLength !== count * BYTES[dtype])
        throw new CheckpointError(`ONNX initializer '${t.name}': ${raw.byteLength} bytes for ${count} ${dtype} values`);
      const buf = aligned(raw);
      const data =
        dtype === 'F32'
          ? new Float32Array(buf)
          : dtype === 'F64'
            ? new Float64Array(buf)
            : dtype === 'F16'
              ? Float32Array.from(new Uint16Array(buf), halfToFloat)
              : dtype === 'BF16'
                ? Float32Array.from(new Uint16Array(buf), bf16ToFloat)
                : dtype === 'I64'
                  ? new BigInt64Array(buf)
                  : dtype === 'I32'
                    ? new Int32Array(buf)
                    : dtype === 'I16'
                      ? new Int16Array(buf)
                      : dtype === 'I8'
                        ? new Int8Array(buf)
                        : new Uint8Array(buf);
      return { dtype: dtype === 'F16' || dtype === 'BF16' ? 'F32' : dtype, shape, data };
    }
    // Typed fields (small tensors written without raw_data).
    const data =
      dtype === 'F32'
        ? Float32Array.from(t.floatData ?? [])
        : dtype === 'F64'
          ? Float64Array.from(t.doubleData ?? [])
          : dtype === 'I64'
            ? BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(String(v))))
            : dtype === 'I32'
              ? Int32Array.from(t.int32Data ?? [])
              : dtype === 'F16'
                ? Float32Array.from(t.int32Data ?? [], halfToFloat)
                : dtype === 'BF16'
                  ? Float32Array.from(t.int32Data ?? [], bf16ToFloat)
                  : dtype === 'I16'
                    ? Int16Array.from(t.int32Data ?? [])
                    : dtype === 'I8'
                      ? Int8Array.from(t.int32Data ?? [])
                      : Uint8Array.from(t.int32Data ?? []);
    if (data.length !== count) throw new CheckpointError(`ONNX initializer '${t.name}': ${data.length} values for shape [${shape}]`);
    return { dtype: dtype === 'F16' || dtype === 'BF16' ? 'F32' : dtype, shape, data };
  }
}

function transpose2d(t: HostTensor): HostTensor {
  const [rows, cols] = t.shape;
  const src = t.data as Float32Array;
  const out = new (src.constructor as Float32ArrayConstructor)(src.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = src[i * cols + j];
  return { dtype: t.dtype, shape: [cols, rows], data: out };
}

/** The initializers of a serialised ONNX model as a `TensorSource` (see {@link OnnxTensorSource}). */
export function onnxTensorSource(bytes: Uint8Array, options: OnnxTensorSourceOptions = {}): OnnxTensorSource {
  return OnnxTensorSource.fromBytes(bytes, options);
}
