import type { HostTensor, SafetensorsDType } from '../host-tensor.js';
import { decodeTensorBytes } from '../safetensors.js';
import type { ByteReader } from './byte-reader.js';
import type { Checkpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { restrictedUnpickle } from './pickle.js';
import { PickleDict, PickleGlobal, type PickleValue, isPickleObject } from './pickle-values.js';
import { ITEM_SIZES, STORAGE_DTYPES, type StorageRef, type TensorRef, callTorchGlobal, isAllowedTorchGlobal, isTensorRef } from './torch-globals.js';
import { materializeView } from './view.js';
import { ZipArchive } from './zip.js';

/** data.pkl of a state dict is small (names and shapes); a larger one is refused rather than parsed. */
export const MAX_PICKLE_BYTES = 256 * 1024 * 1024;
const STORAGE_KEY = /^[A-Za-z0-9_]+$/;

/**
 * A PyTorch zip checkpoint (`torch.save` since 1.6: `<folder>/data.pkl`, `<folder>/data/<key>`,
 * `<folder>/version`, any folder name). The pickle is read at open under the weights-only rules;
 * each tensor's storage record is read, inflated if deflated, CRC-checked and sliced when asked for.
 * Nested dicts are flattened with dots (`{model: {w: t}}` → `model.w`); non-tensor leaves such as
 * `epoch` become `metadata` strings.
 */
export class TorchCheckpoint implements Checkpoint {
  readonly format = 'torch-zip' as const;
  readonly metadata: Record<string, string> = {};
  readonly files: string[];
  /** The archive folder name (`archive/` in recent torch versions, the file stem in older ones). */
  readonly folder: string;
  private readonly tensors = new Map<string, TensorRef>();
  private readonly zip: ZipArchive;

  constructor(reader: ByteReader) {
    this.zip = new ZipArchive(reader);
    const label = reader.label;
    this.files = [label];
    const pickles = [...this.zip.entries.keys()].filter((n) => /^([^/]+\/)?data\.pkl$/.test(n));
    if (pickles.length !== 1) {
      this.zip.close();
      throw new CheckpointError(
        pickles.length === 0
          ? `${label}: zip archive has no data.pkl: not a PyTorch checkpoint`
          : `${label}: zip archive holds ${pickles.length} data.pkl records (${pickles.join(', ')})`,
      );
    }
    this.folder = pickles[0].slice(0, -'data.pkl'.length);
    try {
      this.checkByteOrder();
      if (this.zip.entries.has(`${this.folder}constants.pkl`)) {
        throw new CheckpointError(`${label}: this is a TorchScript archive (torch.jit.save); save the model's state_dict() with torch.save instead`);
      }
      const pkl = this.zip.entries.get(pickles[0]);
      if (pkl && pkl.size > MAX_PICKLE_BYTES) throw new CheckpointError(`${label}: data.pkl is ${pkl.size} bytes, above the ${MAX_PICKLE_BYTES}-byte limit`);
      const root = restrictedUnpickle(
        this.zip.read(pickles[0]),
        {
          isAllowed: isAllowedTorchGlobal,
          call: callTorchGlobal,
          persistentLoad: (pid) => this.storageRef(pid),
        },
        `${label} (data.pkl)`,
      );
      if (isTensorRef(root)) this.tensors.set('', root);
      else if (root instanceof PickleDict) this.flatten(root, '');
      else throw new CheckpointError(`${label}: data.pkl holds ${Array.isArray(root) ? 'a list' : typeof root}, not a dict of tensors`);
    } catch (e) {
      this.zip.close();
      throw e;
    }
  }

  get label(): string {
    return this.zip.label;
  }

  private checkByteOrder(): void {
    const name = `${this.folder}byteorder`;
    if (!this.zip.entries.has(name)) return;
    const order = new TextDecoder().decode(this.zip.read(name)).trim();
    if (order !== 'little') throw new CheckpointError(`${this.label}: storages are ${order}-endian; only little-endian checkpoints are supported`);
  }

  private storageRef(pid: PickleValue): StorageRef {
    const label = `${this.label} (data.pkl)`;
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new CheckpointError(`${label}: persistent id must be ('storage', type, key, location, numel)`);
    }
    const [, type, key, location, numel] = pid as PickleValue[];
    if (!(type instanceof PickleGlobal)) throw new CheckpointError(`${label}: storage type is not a storage class`);
    if (typeof key !== 'string' || !STORAGE_KEY.test(key)) throw new CheckpointError(`${label}: bad storage key ${JSON.stringify(key)}`);
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
      throw new CheckpointError(`${label}: storage '${key}' has an invalid element count`);
    const record = `${this.folder}data/${key}`;
    const entry = this.zip.entries.get(record);
    if (!entry) throw new CheckpointError(`${this.label}: storage '${key}' has no record '${record}' in the archive`);
    const untyped = type.fullName === 'torch.UntypedStorage' || type.fullName === 'torch.storage.UntypedStorage';
    const dtype = untyped ? 'U8' : Object.hasOwn(STORAGE_DTYPES, type.fullName) ? STORAGE_DTYPES[type.fullName] : null;
    if (dtype && entry.size !== numel * ITEM_SIZES[dtype]) {
      throw new CheckpointError(
        `${this.label}: storage '${key}' (${type.fullName}) declares ${numel} elements (${numel * ITEM_SIZES[dtype]} bytes) but its record holds ${entry.size} bytes`,
      );
    }
    return { pickleKind: 'storage', key, storageType: type.fullName, dtype, numel, location: String(location) };
  }

  private flatten(value: PickleValue, path: string): void {
    if (isTensorRef(value)) {
      if (this.tensors.has(path)) throw new CheckpointError(`${this.label}: tensor name '${path}' occurs twice after flattening nested dicts`);
      this.tensors.set(path, value);
      return;
    }
    const join = (k: PickleValue) => (path ? `${path}.${String(k)}` : String(k));
    if (value instanceof PickleDict) {
      for (const [k, v] of value) this.flatten(v, join(k));
    } else if (Array.isArray(value) && value.some((v) => isTensorRef(v) || v instanceof PickleDict)) {
      value.forEach((v, i) => this.flatten(v, join(i)));
    } else if (path && (value === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof value))) {
      this.metadata[path] = String(value);
    } else if (path && Array.isArray(value) && value.every((v) => v === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof v))) {
      this.metadata[path] = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    } else if (isPickleObject(value, 'storage')) {
      // a bare storage is not a tensor; nothing to expose
    }
  }

  keys(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  shapeOf(name: string): number[] | undefined {
    const t = this.tensors.get(name);
    return t ? [...t.shape] : undefined;
  }

  dtypeOf(name: string): SafetensorsDType | undefined {
    return this.tensors.get(name)?.dtype ?? undefined;
  }

  /** Storage key, offset and strides of a tensor (for diagnostics and tests). */
  viewOf(name: string): { storage: string; storageType: string; offset: number; stride: number[] } | undefined {
    const t = this.tensors.get(name);
    return t && { storage: t.storage.key, storageType: t.storage.storageType, offset: t.offset, stride: [...t.stride] };
  }

  get(name: string): HostTensor | undefined {
    const t = this.tensors.get(name);
    if (!t) return undefined;
    const where = `${this.label}: tensor '${name}'`;
    if (!t.dtype) throw new CheckpointError(`${where} is stored as ${t.storage.storageType}, which has no equivalent here`);
    const itemSize = ITEM_SIZES[t.dtype];
    const storage = this.zip.read(`${this.folder}data/${t.storage.key}`);
    if (storage.length % itemSize) throw new CheckpointError(`${where}: storage '${t.storage.key}' is ${storage.length} bytes, not a multiple of ${itemSize}`);
    const bytes = materializeView(storage, itemSize, t.offset, t.shape, t.stride, where);
    return { dtype: t.dtype, shape: [...t.shape], data: decodeTensorBytes(t.dtype, bytes) };
  }

  close(): void {
    this.zip.close();
  }
}
