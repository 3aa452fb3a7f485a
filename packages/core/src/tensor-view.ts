import type * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, isHostTensor, tensorToHostSync } from './host-tensor.js';
import type { TensorSource } from './module.js';

/** One tensor of a `TensorView`: its shape (known without reading) and how to make it. */
export interface ViewEntry {
  shape: number[];
  get(): HostTensor;
}

/** A tensor from a source as host data (tfjs tensors are read synchronously). */
export function asHostTensor(value: tf.Tensor | HostTensor): HostTensor {
  return isHostTensor(value) ? value : tensorToHostSync(value as tf.Tensor);
}

/**
 * A `TensorSource` that shows another one under other names, with tensors derived on read (stacked, split,
 * reshaped): what checkpoint layouts are converted through so that `loadStateDict` sees the model's names.
 * Subclasses fill `entries` in their constructor; `context` starts the error messages (e.g. `loadDinov2Weights`).
 */
export class TensorView implements TensorSource {
  protected readonly entries = new Map<string, ViewEntry>();

  constructor(
    protected readonly source: TensorSource,
    protected readonly context: string,
  ) {}

  /** The shape of a source tensor, without reading it where the source can tell. */
  protected sourceShape(key: string): number[] {
    const s = this.source.shapeOf?.(key) ?? this.source.get(key)?.shape;
    if (!s) throw new Error(`${this.context}: tensor '${key}' is listed but cannot be read`);
    return [...s];
  }

  /** A source tensor as host data. */
  protected readSource(key: string): HostTensor {
    const v = this.source.get(key);
    if (!v) throw new Error(`${this.context}: tensor '${key}' is missing`);
    return asHostTensor(v);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  shapeOf(name: string): number[] | undefined {
    return this.entries.get(name)?.shape;
  }

  get(name: string): HostTensor | undefined {
    return this.entries.get(name)?.get();
  }
}
