import type { Checkpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';

/** What a checkpoint reader a package registers gets: the whole file and, for files on disk, its neighbours. */
export interface CheckpointReaderInput {
  bytes: Uint8Array;
  /** File name or URL, for messages. */
  label: string;
  /**
   * Bytes of a file beside the checkpoint, by a name the checkpoint gives (ONNX external data);
   * absent for bytes in memory and URLs. Names that leave the checkpoint's folder are refused.
   */
  sibling?: (name: string) => Uint8Array;
}

/** Opens one file format (registered by the package that owns the format, e.g. `@anydepth/onnx`). */
export type CheckpointReader = (input: CheckpointReaderInput) => Checkpoint;

/** Formats whose reader lives outside core: detected here from the bytes, read by a registered reader. */
export type PluggableFormat = 'onnx';

const readers = new Map<PluggableFormat, CheckpointReader>();

/**
 * Makes `openCheckpoint` (bytes, URLs and files) read a format whose parser lives in another package.
 * `@anydepth/onnx`'s `registerOnnxCheckpointReader()` calls this for ONNX models (their initializers).
 */
export function registerCheckpointReader(format: PluggableFormat, reader: CheckpointReader): void {
  readers.set(format, reader);
}

/** Opens a pluggable format through its registered reader, or says which package reads it. */
export function openWithReader(format: PluggableFormat, input: CheckpointReaderInput): Checkpoint {
  const reader = readers.get(format);
  if (!reader) {
    throw new CheckpointError(
      `${input.label}: this is an ONNX model; its initializers are read by @anydepth/onnx — call registerOnnxCheckpointReader() (exported by @anydepth/onnx) once before opening it`,
    );
  }
  return reader(input);
}
