import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SafetensorsError, SafetensorsFile, ShardedSafetensors, parseSafetensorsHeader, parseShardIndex } from './safetensors.js';

/**
 * Reads exactly `length` bytes at `position` of an open file (one positioned read per chunk the OS returns); a file
 * that ends first throws `error('<label>: unexpected end of file at byte N')` (the reader's own error class).
 */
export function readExactly(fd: number, position: number, length: number, label: string, error: new (message: string) => Error = SafetensorsError): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new error(`${label}: unexpected end of file at byte ${position + done}`);
    done += n;
  }
  return out;
}

/** An on-disk safetensors file read lazily: the header now, each tensor's bytes when asked for. */
export class SafetensorsFileHandle extends SafetensorsFile {
  private constructor(
    header: ReturnType<typeof parseSafetensorsHeader>,
    private fd: number | null,
    label: string,
  ) {
    super(
      header,
      (b, e) => {
        if (this.fd === null) throw new SafetensorsError(`${label}: file is closed`);
        return readExactly(this.fd, header.dataStart + b, e - b, label);
      },
      label,
    );
  }

  static open(path: string): SafetensorsFileHandle {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const label = basename(path);
      const first = size >= 8 ? readExactly(fd, 0, 8, label) : new Uint8Array(0);
      // parseSafetensorsHeader validates the length against the file size before we read the header.
      let prefix = first;
      if (first.length === 8) {
        const len = new DataView(first.buffer).getUint32(0, true) + new DataView(first.buffer).getUint32(4, true) * 2 ** 32;
        if (len <= size - 8 && len <= 100 * 1024 * 1024) {
          prefix = new Uint8Array(8 + len);
          prefix.set(first);
          prefix.set(readExactly(fd, 8, len, label), 8);
        }
      }
      const header = parseSafetensorsHeader(prefix, size, label);
      return new SafetensorsFileHandle(header, fd, label);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export interface OpenedCheckpoint {
  source: SafetensorsFile | ShardedSafetensors;
  files: string[];
  close(): void;
}

/**
 * Opens a checkpoint: a `.safetensors` file, a `model.safetensors.index.json` (sharded), or a folder
 * holding either. Tensors are read lazily; call `close()` when done.
 */
export function openSafetensors(path: string): OpenedCheckpoint {
  if (!existsSync(path)) throw new SafetensorsError(`no such file or folder: ${path}`);
  let target = path;
  if (statSync(path).isDirectory()) {
    const index = join(path, 'model.safetensors.index.json');
    const single = join(path, 'model.safetensors');
    if (existsSync(index)) target = index;
    else if (existsSync(single)) target = single;
    else throw new SafetensorsError(`${path} holds neither model.safetensors nor model.safetensors.index.json`);
  }
  if (target.endsWith('.json')) {
    const index = parseShardIndex(readFileSync(target, 'utf8'), basename(target));
    const shards = new Map<string, SafetensorsFileHandle>();
    try {
      for (const shard of new Set(Object.values(index.weight_map))) shards.set(shard, SafetensorsFileHandle.open(join(dirname(target), shard)));
      const source = new ShardedSafetensors(index, shards);
      return { source, files: [...shards.keys()].map((s) => join(dirname(target), s)), close: () => shards.forEach((s) => s.close()) };
    } catch (e) {
      shards.forEach((s) => s.close());
      throw e;
    }
  }
  const file = SafetensorsFileHandle.open(target);
  return { source: file, files: [target], close: () => file.close() };
}

/**
 * Writes a file atomically — the one atomic writer of the project (weights, checkpoints, logs, charts, evaluation
 * JSON, ONNX files and their external data, kept-lists and reports): the data goes to a temporary file in the same
 * folder, is flushed to disk, and is renamed over the target, so readers see the old or the new file and never a torn
 * one; on failure the temporary file is removed. `data` may be a list of chunks (files larger than one buffer).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string | readonly Uint8Array[]): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const chunks = typeof data === 'string' ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
    for (const bytes of chunks) {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export { openCheckpoint, openCheckpointFile, fileReader, CHECKPOINT_FILE_NAMES } from './checkpoint/node-open.js';
export { useThreadedWasm, wasmThreads, shutdownWasm, type ThreadedWasmOptions } from './wasm-threads.js';
