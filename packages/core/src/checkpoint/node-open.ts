import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { SafetensorsFileHandle, readExactly } from '../node.js';
import { type ByteReader, checkRange } from './byte-reader.js';
import type { Checkpoint } from './checkpoint.js';
import { DETECT_BYTES, detectCheckpointFormat } from './detect.js';
import { CheckpointError } from './errors.js';
import { type OpenCheckpointOptions, legacyFormatError, openCheckpoint as openCheckpointRemote, unknownFormatError } from './open.js';
import { SafetensorsCheckpoint } from './safetensors-checkpoint.js';
import { MAX_INDEX_BYTES, ShardedCheckpoint, parseCheckpointIndex } from './sharded.js';
import { openWithReader } from './readers.js';
import { TorchCheckpoint } from './torch-zip.js';

/** A `ByteReader` over a file handle: each read is one positioned `readSync`, nothing is kept in memory. */
export function fileReader(path: string): ByteReader {
  let fd: number | null = openSync(path, 'r');
  const size = fstatSync(fd).size;
  const label = basename(path);
  return {
    size,
    label,
    read(offset, length) {
      if (fd === null) throw new CheckpointError(`${label}: file is closed`);
      checkRange(label, 'read', offset, length, size);
      return readExactly(fd, offset, length, label, CheckpointError);
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

/** File names looked for, in this order, when a folder is given (Hugging Face layouts first). */
export const CHECKPOINT_FILE_NAMES = [
  'model.safetensors.index.json',
  'model.safetensors',
  'pytorch_model.bin.index.json',
  'pytorch_model.bin',
  'model.onnx',
  'onnx/model.onnx',
];

/**
 * Opens a checkpoint file (or a folder holding one of `CHECKPOINT_FILE_NAMES`) for lazy reads:
 * names and shapes now, each tensor's bytes when asked for. Format from the magic bytes, not the
 * extension. Call `close()` when done.
 */
export function openCheckpointFile(path: string): Checkpoint {
  if (!existsSync(path)) throw new CheckpointError(`no such file or folder: ${path}`);
  let target = path;
  if (statSync(path).isDirectory()) {
    const found = CHECKPOINT_FILE_NAMES.map((n) => join(path, n)).find((p) => existsSync(p));
    if (!found) throw new CheckpointError(`${path} holds none of ${CHECKPOINT_FILE_NAMES.join(', ')}`);
    target = found;
  }
  const label = basename(target);
  const reader = fileReader(target);
  let keepOpen = false;
  try {
    const prefix = reader.read(0, Math.min(DETECT_BYTES, reader.size));
    const format = detectCheckpointFormat(prefix, reader.size);
    switch (format) {
      case 'torch-zip': {
        const ckpt = new TorchCheckpoint(reader);
        keepOpen = true;
        return ckpt;
      }
      case 'safetensors': {
        const file = SafetensorsFileHandle.open(target);
        return new SafetensorsCheckpoint(file, label, () => file.close());
      }
      case 'index-json': {
        if (reader.size > MAX_INDEX_BYTES) throw new CheckpointError(`${label}: index is ${reader.size} bytes, above the ${MAX_INDEX_BYTES}-byte limit`);
        const index = parseCheckpointIndex(readFileSync(target, 'utf8'), label);
        const shards = new Map<string, Checkpoint>();
        try {
          for (const name of new Set(Object.values(index.weight_map))) {
            const shardPath = join(dirname(target), name);
            if (!existsSync(shardPath)) throw new CheckpointError(`${label}: shard '${name}' does not exist beside the index`);
            const shard = openCheckpointFile(shardPath);
            shards.set(name, shard);
            if (shard.format === 'sharded') throw new CheckpointError(`${label}: shard '${name}' is itself an index`);
          }
          return new ShardedCheckpoint(index, shards, label);
        } catch (e) {
          shards.forEach((s) => s.close());
          throw e;
        }
      }
      case 'onnx':
        // Weights inline in the model (read whole) or in external data files beside it.
        return openWithReader('onnx', { bytes: new Uint8Array(readFileSync(target)), label, sibling: siblingReader(target) });
      case 'torch-legacy':
        throw legacyFormatError(label);
      default:
        throw unknownFormatError(label);
    }
  } finally {
    if (!keepOpen) reader.close();
  }
}

/** Reads files beside `path` by relative name (each once); names that leave its folder are refused. */
function siblingReader(path: string): (name: string) => Uint8Array {
  const folder = dirname(path);
  const cache = new Map<string, Uint8Array>();
  return (name) => {
    const rel = normalize(name);
    if (isAbsolute(rel) || rel === '..' || rel.startsWith('../') || rel.startsWith('..\\')) {
      throw new CheckpointError(`${basename(path)}: file '${name}' named by the checkpoint leaves its folder`);
    }
    let bytes = cache.get(rel);
    if (!bytes) {
      const file = join(folder, rel);
      if (!existsSync(file)) throw new CheckpointError(`${basename(path)}: file '${name}' named by the checkpoint does not exist beside it`);
      bytes = new Uint8Array(readFileSync(file));
      cache.set(rel, bytes);
    }
    return bytes;
  };
}

/**
 * Node's `openCheckpoint`: a path (file or folder, read lazily through a file handle), an http(s)
 * URL, or bytes. See `openCheckpointFile` and the browser `openCheckpoint` of `@anydepth/core`.
 */
export async function openCheckpoint(input: string | URL | Uint8Array | ArrayBuffer, options: OpenCheckpointOptions = {}): Promise<Checkpoint> {
  if (typeof input === 'string' && !/^https?:\/\//i.test(input)) return openCheckpointFile(input);
  if (input instanceof URL && input.protocol === 'file:') return openCheckpointFile(decodeURIComponent(input.pathname));
  return openCheckpointRemote(input, options);
}
