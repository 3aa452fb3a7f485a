import type { HostTensor, SafetensorsDType } from '../host-tensor.js';
import type { TensorSource } from '../module.js';

export type CheckpointFormat = 'safetensors' | 'sharded' | 'torch-zip' | 'onnx';

/**
 * Any opened checkpoint, whatever its file format: names, shapes and element types without reading
 * data, tensors decoded one at a time (`HostTensor`: I64 stays BigInt64Array as in safetensors),
 * and string metadata (safetensors `__metadata__`, or a torch file's non-tensor entries).
 */
export interface Checkpoint extends TensorSource {
  readonly format: CheckpointFormat;
  /** File name or URL, used in error messages. */
  readonly label: string;
  readonly metadata: Record<string, string>;
  /** Every file read (one, or the shards of an index). */
  readonly files: string[];
  keys(): string[];
  has(name: string): boolean;
  shapeOf(name: string): number[] | undefined;
  dtypeOf(name: string): SafetensorsDType | undefined;
  get(name: string): HostTensor | undefined;
  /** Releases file handles (a no-op for bytes in memory). */
  close(): void;
}
