import { type Checkpoint, type CheckpointReaderInput, type HostTensor, type SafetensorsDType, registerCheckpointReader } from '@anydepth/core';
import { OnnxTensorSource } from './onnx-tensor-source.js';

/** A name an exporter made up for a constant (never a state-dict name). */
function isGeneratedName(name: string): boolean {
  return name.startsWith('onnx::') || name.startsWith('/') || /^(val|const|_v|Constant)_?\d+$/i.test(name);
}

/** An ONNX model's initializers as a core `Checkpoint` (format `'onnx'`), for `openCheckpoint` and the estimator. */
export class OnnxCheckpoint implements Checkpoint {
  readonly format = 'onnx' as const;
  readonly files: string[];

  constructor(
    readonly source: OnnxTensorSource,
    readonly label: string,
  ) {
    this.files = [label];
  }

  get metadata(): Record<string, string> {
    return this.source.metadata;
  }

  /** Initializer names, less the ones an exporter generated (`onnx::…`, `/…`, `val_12`): constants, not weights. */
  keys(): string[] {
    return this.source.keys().filter((k) => !isGeneratedName(k));
  }

  has(name: string): boolean {
    return this.source.shapeOf(name) !== undefined;
  }

  shapeOf(name: string): number[] | undefined {
    return this.source.shapeOf(name);
  }

  /** The element type `get` returns (float16 and bfloat16 initializers are widened to F32). */
  dtypeOf(name: string): SafetensorsDType | undefined {
    return this.source.dtypeOf(name);
  }

  get(name: string): HostTensor | undefined {
    return this.source.get(name);
  }

  close(): void {}
}

/** Opens the bytes of an ONNX model as a `Checkpoint` (external data through `sibling`, when given). */
export function openOnnxCheckpoint(input: CheckpointReaderInput): OnnxCheckpoint {
  let source: OnnxTensorSource;
  try {
    source = OnnxTensorSource.fromBytes(input.bytes, input.sibling ? { externalData: input.sibling } : {});
  } catch (e) {
    throw new Error(`${input.label}: ${(e as Error).message}`);
  }
  return new OnnxCheckpoint(source, input.label);
}

/**
 * Lets core's `openCheckpoint` (and so `createDepthEstimator`, `loadAnyDepthFromFiles` and the CLI's
 * `--weights`) read ONNX models, told from their bytes: the initializers become the checkpoint's
 * tensors (names and folded Linear weights as in `onnxTensorSource`; external data read beside a file
 * on disk). Call once; calling again is harmless.
 */
export function registerOnnxCheckpointReader(): void {
  registerCheckpointReader('onnx', openOnnxCheckpoint);
}
