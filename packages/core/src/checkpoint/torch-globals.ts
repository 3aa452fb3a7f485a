import type { SafetensorsDType } from '../host-tensor.js';
import { CheckpointError } from './errors.js';
import { PickleDict, PickleGlobal, type PickleObject, type PickleValue, isPickleObject } from './pickle-values.js';

/** Storage classes torch writes in a persistent id, with the element type they hold. */
export const STORAGE_DTYPES: Readonly<Record<string, SafetensorsDType>> = {
  'torch.FloatStorage': 'F32',
  'torch.DoubleStorage': 'F64',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.LongStorage': 'I64',
  'torch.IntStorage': 'I32',
  'torch.ShortStorage': 'I16',
  'torch.CharStorage': 'I8',
  'torch.ByteStorage': 'U8',
  'torch.BoolStorage': 'BOOL',
};

/** `torch.<dtype>` globals (as `_rebuild_tensor_v3` passes them) with the element type they name. */
const TORCH_DTYPES: Readonly<Record<string, SafetensorsDType>> = {
  'torch.float32': 'F32',
  'torch.float64': 'F64',
  'torch.float16': 'F16',
  'torch.bfloat16': 'BF16',
  'torch.int64': 'I64',
  'torch.int32': 'I32',
  'torch.int16': 'I16',
  'torch.int8': 'I8',
  'torch.uint8': 'U8',
  'torch.bool': 'BOOL',
};

export const ITEM_SIZES: Readonly<Record<SafetensorsDType, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/**
 * The globals `torch.load(weights_only=True)` accepts by default (torch/_weights_only_unpickler.py,
 * `_get_allowed_globals`). A name outside this list is refused the moment the pickle names it.
 */
const ALLOWED_EXACT = new Set([
  'collections.OrderedDict',
  'collections.Counter',
  'torch.nn.parameter.Parameter',
  'torch.serialization._get_layout',
  'torch.Size',
  'torch.Tensor',
  'torch.device',
  '_codecs.encode',
  'builtins.bytearray',
  'builtins.set',
  'builtins.complex',
  'torch.storage.TypedStorage',
  'torch.storage.UntypedStorage',
  'torch.UntypedStorage',
  'torch.per_tensor_affine',
  'torch.per_tensor_symmetric',
  'torch.per_channel_affine',
  'torch.per_channel_symmetric',
  'torch.per_channel_affine_float_qparams',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._utils._rebuild_qtensor',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_sparse_tensor',
  'torch._utils._rebuild_meta_tensor_no_storage',
  'torch._utils._rebuild_wrapper_subclass',
  'torch._utils._rebuild_device_tensor_from_numpy',
  'torch._utils._rebuild_device_tensor_from_cpu_tensor',
  'torch._tensor._rebuild_from_type_v2',
]);
/** torch dtypes (`torch.float32`, `torch.uint4`, `torch.float8_e4m3fn`, ...), legacy storage and tensor classes (CPU, CUDA, sparse). */
const ALLOWED_PATTERNS = [
  /^torch\.(float|bfloat|int|uint|complex|bool|qint|quint|bits|float8_)[0-9a-z_x]*$/,
  /^torch\.(cuda\.)?[A-Z][A-Za-z0-9]*Storage$/,
  /^torch\.(cuda\.|sparse\.|cuda\.sparse\.)?[A-Z][A-Za-z0-9]*Tensor$/,
];

export function isAllowedTorchGlobal(fullName: string): boolean {
  return ALLOWED_EXACT.has(fullName) || ALLOWED_PATTERNS.some((p) => p.test(fullName));
}

/** One storage record of the archive, as a persistent id names it. */
export interface StorageRef extends PickleObject {
  readonly pickleKind: 'storage';
  readonly key: string;
  /** Storage class as written (e.g. `torch.FloatStorage`). */
  readonly storageType: string;
  /** Element type, or null for a storage class this reader cannot decode (complex, quantized). */
  readonly dtype: SafetensorsDType | null;
  /** Element count the pickle declares. */
  readonly numel: number;
  readonly location: string;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a view into a storage. Nothing is read until asked for. */
export interface TensorRef extends PickleObject {
  readonly pickleKind: 'tensor';
  readonly storage: StorageRef;
  readonly dtype: SafetensorsDType | null;
  /** Offset into the storage, in elements. */
  readonly offset: number;
  readonly shape: readonly number[];
  /** Strides in elements. */
  readonly stride: readonly number[];
}

export function isTensorRef(v: unknown): v is TensorRef {
  return isPickleObject(v, 'tensor');
}

function intList(v: PickleValue, what: string, fn: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new CheckpointError(`${fn}: ${what} must be a tuple of non-negative integers, got ${describe(v)}`);
  }
  return [...(v as number[])];
}

function describe(v: PickleValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return `a tuple of ${v.length}`;
  if (v instanceof PickleDict) return 'a dict';
  if (v instanceof PickleGlobal) return v.fullName;
  if (isPickleObject(v)) return `a ${v.pickleKind}`;
  return typeof v === 'bigint' ? 'an int' : JSON.stringify(v);
}

function rebuildTensor(fn: string, args: readonly PickleValue[], dtypeOverride?: PickleValue): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!isPickleObject(storage, 'storage')) throw new CheckpointError(`${fn}: the first argument must be a storage, got ${describe(storage)}`);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    throw new CheckpointError(`${fn}: storage offset must be a non-negative integer, got ${describe(offset)}`);
  const shape = intList(size, 'size', fn);
  const strides = intList(stride, 'stride', fn);
  if (shape.length !== strides.length) throw new CheckpointError(`${fn}: size [${shape}] and stride [${strides}] differ in length`);
  const s = storage as StorageRef;
  let dtype = s.dtype;
  if (dtypeOverride !== undefined) {
    const name = dtypeOverride instanceof PickleGlobal ? dtypeOverride.fullName : String(dtypeOverride);
    dtype = Object.hasOwn(TORCH_DTYPES, name) ? TORCH_DTYPES[name] : null;
  }
  return { pickleKind: 'tensor', storage: s, dtype, offset, shape, stride: strides };
}

function makeDict(pyType: PickleDict['pyType'], args: readonly PickleValue[]): PickleDict {
  const d = new PickleDict(pyType);
  const [items] = args;
  if (items === undefined || items === null) return d;
  if (items instanceof PickleDict) {
    for (const [k, v] of items) d.set(k, v);
    return d;
  }
  if (!Array.isArray(items)) throw new CheckpointError(`${pyType}: cannot build from ${describe(items)}`);
  for (const pair of items as PickleValue[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new CheckpointError(`${pyType}: items must be (key, value) pairs`);
    d.set(pair[0], pair[1]);
  }
  return d;
}

/**
 * Runs an allowed global with its arguments. Only plain containers, tensors and storages are built;
 * allowed globals that describe something this reader does not decode (sparse, quantized, meta or
 * subclass tensors, complex numbers) stop with an error naming them.
 */
export function callTorchGlobal(fn: PickleGlobal, args: readonly PickleValue[]): PickleValue {
  const name = fn.fullName;
  switch (name) {
    case 'collections.OrderedDict':
    case 'collections.Counter':
      return makeDict(name, args);
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
      return rebuildTensor(name, args);
    case 'torch._utils._rebuild_tensor_v3':
      return rebuildTensor(name, args, args[6]);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
    case 'torch.nn.parameter.Parameter': {
      if (!isTensorRef(args[0])) throw new CheckpointError(`${name}: expected a tensor, got ${describe(args[0] ?? null)}`);
      return args[0];
    }
    case 'torch._tensor._rebuild_from_type_v2': {
      const [func, newType, inner] = args;
      const typeName = newType instanceof PickleGlobal ? newType.fullName : describe(newType ?? null);
      if (typeName !== 'torch.Tensor' && typeName !== 'torch.nn.parameter.Parameter') {
        throw new CheckpointError(`${name}: tensor subclass '${typeName}' is not supported`);
      }
      if (!(func instanceof PickleGlobal) || !Array.isArray(inner)) throw new CheckpointError(`${name}: malformed arguments`);
      return callTorchGlobal(func, inner as PickleValue[]);
    }
    case 'torch.Size':
      return Object.freeze(intList(args[0] ?? [], 'size', name));
    case 'torch.device':
      return args.map(String).join(':');
    case 'torch.serialization._get_layout':
      return String(args[0]);
    case 'builtins.set':
      return Array.isArray(args[0]) ? [...(args[0] as PickleValue[])] : [];
    case 'builtins.bytearray':
      if (args.length === 0) return new Uint8Array(0);
      if (args[0] instanceof Uint8Array) return args[0].slice();
      break;
    case '_codecs.encode': {
      // protocol 2 writes Python 3 `bytes` as _codecs.encode(<latin-1 text>, 'latin1')
      const [text, encoding] = args;
      if (typeof text === 'string' && (encoding === 'latin1' || encoding === 'latin-1')) {
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 0xff) throw new CheckpointError(`${name}: character U+${c.toString(16)} is not latin-1`);
          out[i] = c;
        }
        return out;
      }
      break;
    }
  }
  throw new CheckpointError(
    `the checkpoint calls '${name}', which torch allows in weights-only files but this reader does not support (sparse, quantized, meta or subclass tensors, complex numbers)`,
  );
}
