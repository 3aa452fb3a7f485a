import type { HostTensor, SafetensorsDType } from '../host-tensor.js';
import type { SafetensorsFile } from '../safetensors.js';
import type { Checkpoint } from './checkpoint.js';

/** A safetensors file (in memory or on disk) seen as a `Checkpoint`. */
export class SafetensorsCheckpoint implements Checkpoint {
  readonly format = 'safetensors' as const;
  readonly files: string[];

  constructor(
    readonly file: SafetensorsFile,
    readonly label: string,
    private readonly onClose: () => void = () => {},
  ) {
    this.files = [label];
  }

  get metadata(): Record<string, string> {
    return this.file.metadata;
  }

  keys(): string[] {
    return this.file.keys();
  }

  has(name: string): boolean {
    return this.file.has(name);
  }

  shapeOf(name: string): number[] | undefined {
    const s = this.file.shapeOf(name);
    return s && [...s];
  }

  dtypeOf(name: string): SafetensorsDType | undefined {
    return this.file.info(name)?.dtype;
  }

  get(name: string): HostTensor | undefined {
    return this.file.get(name);
  }

  close(): void {
    this.onClose();
  }
}
