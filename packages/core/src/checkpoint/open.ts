import { SafetensorsFile } from '../safetensors.js';
import { bytesReader, plainBytes } from './byte-reader.js';
import type { Checkpoint } from './checkpoint.js';
import { DETECT_BYTES, detectCheckpointFormat } from './detect.js';
import { CheckpointError } from './errors.js';
import { openWithReader } from './readers.js';
import { SafetensorsCheckpoint } from './safetensors-checkpoint.js';
import { MAX_INDEX_BYTES, ShardedCheckpoint, parseCheckpointIndex } from './sharded.js';
import { TorchCheckpoint } from './torch-zip.js';

export interface OpenCheckpointOptions {
  /** Name used in error messages (default: the URL, or 'checkpoint'). */
  label?: string;
  /** Shard files of an index given as bytes, by the names its `weight_map` uses. */
  shards?: Record<string, Uint8Array | ArrayBuffer>;
  /** fetch implementation for URLs (default: the global one). */
  fetch?: typeof fetch;
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? plainBytes(input) : new Uint8Array(input);
}

export function legacyFormatError(label: string): CheckpointError {
  return new CheckpointError(
    `${label}: this is PyTorch's pre-1.6 (non-zip) checkpoint format, which is not supported; re-save it with torch.save(torch.load(path, weights_only=True), path) in torch ≥ 1.6`,
  );
}

export function unknownFormatError(label: string): CheckpointError {
  return new CheckpointError(
    `${label}: not a checkpoint this library reads (expected safetensors, a *.index.json of shards, a PyTorch zip .pth/.pt/.bin/.ckpt, or an ONNX model)`,
  );
}

/**
 * Opens a checkpoint held in memory, telling its format from its bytes. An index (`*.index.json`)
 * needs its shards in `options.shards`.
 */
export function openCheckpointBytes(input: Uint8Array | ArrayBuffer, options: OpenCheckpointOptions = {}): Checkpoint {
  const bytes = asBytes(input);
  const label = options.label ?? 'checkpoint';
  const format = detectCheckpointFormat(bytes.subarray(0, DETECT_BYTES), bytes.length);
  switch (format) {
    case 'safetensors':
      return new SafetensorsCheckpoint(SafetensorsFile.fromBytes(bytes, label), label);
    case 'torch-zip':
      return new TorchCheckpoint(bytesReader(bytes, label));
    case 'index-json': {
      if (bytes.length > MAX_INDEX_BYTES) throw new CheckpointError(`${label}: index is ${bytes.length} bytes, above the ${MAX_INDEX_BYTES}-byte limit`);
      const index = parseCheckpointIndex(new TextDecoder().decode(bytes), label);
      const shards = new Map<string, Checkpoint>();
      for (const name of new Set(Object.values(index.weight_map))) {
        const shard = options.shards?.[name];
        if (!shard) throw new CheckpointError(`${label}: shard '${name}' was not provided (pass it in options.shards)`);
        const opened = openCheckpointBytes(shard, { label: name });
        if (opened.format === 'sharded') throw new CheckpointError(`${label}: shard '${name}' is itself an index`);
        shards.set(name, opened);
      }
      return new ShardedCheckpoint(index, shards, label);
    }
    case 'onnx':
      return openWithReader('onnx', { bytes, label });
    case 'torch-legacy':
      throw legacyFormatError(label);
    default:
      throw unknownFormatError(label);
  }
}

async function fetchBytes(url: URL, fetchFn: typeof fetch): Promise<Uint8Array> {
  const response = await fetchFn(url.href);
  if (!response.ok) throw new CheckpointError(`${url.href}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Opens any checkpoint from bytes or a URL (browser and Node): safetensors, an index of shards
 * (fetched from beside the index URL), or a PyTorch zip file. The format comes from the bytes.
 * For files on disk with lazy per-tensor reads use `openCheckpoint` from `@anydepth/core/node`.
 */
export async function openCheckpoint(input: Uint8Array | ArrayBuffer | URL | string, options: OpenCheckpointOptions = {}): Promise<Checkpoint> {
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return openCheckpointBytes(input, options);
  const url = input instanceof URL ? input : new URL(input, (globalThis as { location?: { href: string } }).location?.href);
  const fetchFn = options.fetch ?? globalThis.fetch;
  const bytes = await fetchBytes(url, fetchFn);
  const label = options.label ?? url.href;
  if (detectCheckpointFormat(bytes.subarray(0, DETECT_BYTES), bytes.length) === 'index-json' && !options.shards) {
    const index = parseCheckpointIndex(new TextDecoder().decode(bytes), label);
    const shards: Record<string, Uint8Array> = {};
    for (const name of new Set(Object.values(index.weight_map))) shards[name] = await fetchBytes(new URL(name, url), fetchFn);
    return openCheckpointBytes(bytes, { ...options, label, shards });
  }
  return openCheckpointBytes(bytes, { ...options, label });
}
