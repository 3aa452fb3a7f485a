import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, type RngState, SafetensorsFile, encodeSafetensors, tensorToHostSync } from '@anydepth/core';
import type { AdamWState } from './adamw.js';

export const TRAIN_STATE_KEY = 'anydepth.train_state';

/** Everything besides tensors that a resumed run needs to continue bit-identically. */
export interface TrainProgressState {
  /** Optimisation steps taken. */
  step: number;
  /** RNG state after the last step (data order and augmentation draws). */
  rng: RngState;
  /** Sample order of the epoch `orderEpoch`. */
  order: number[];
  orderEpoch: number;
  /** Fingerprint of the run's options; resuming with different options is refused. */
  fingerprint: string;
}

export interface TrainCheckpointContents {
  progress: TrainProgressState;
  /** Trainable parameters and training-mode buffers, tfjs layout, by model name. */
  variables: Record<string, tf.Variable>;
  optimizer: AdamWState;
}

/** Serialises a training checkpoint: `var.<name>`, `adam.m.<name>`, `adam.v.<name>` and the progress in the metadata. */
export function encodeTrainCheckpoint(c: TrainCheckpointContents): Uint8Array {
  const tensors: Record<string, HostTensor> = {};
  for (const [name, v] of Object.entries(c.variables)) tensors[`var.${name}`] = tensorToHostSync(v);
  for (const [name, m] of Object.entries(c.optimizer.m)) tensors[`adam.m.${name}`] = { dtype: 'F32', shape: [m.length], data: m };
  for (const [name, v] of Object.entries(c.optimizer.v)) tensors[`adam.v.${name}`] = { dtype: 'F32', shape: [v.length], data: v };
  const meta = { ...c.progress, adamStep: c.optimizer.step };
  return encodeSafetensors(tensors, { [TRAIN_STATE_KEY]: JSON.stringify(meta) });
}

/**
 * Reads a training checkpoint written by `encodeTrainCheckpoint` and restores the variables in place.
 * Returns the progress and the optimiser state (for `AdamW.setState`). Validates every name and size
 * before assigning anything.
 */
export function restoreTrainCheckpoint(
  path: string,
  variables: Record<string, tf.Variable>,
  /** Called with the checkpoint's progress before anything is assigned; throw to refuse it. */
  check?: (progress: TrainProgressState) => void,
): { progress: TrainProgressState; optimizer: AdamWState } {
  if (!existsSync(path)) throw new Error(`no training checkpoint at ${path}`);
  const file = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(path)));
  const raw = file.metadata[TRAIN_STATE_KEY];
  if (!raw) throw new Error(`${path} is not a training checkpoint (no '${TRAIN_STATE_KEY}' metadata)`);
  const meta = JSON.parse(raw) as TrainProgressState & { adamStep: number };
  check?.(meta);
  const keys = new Set(file.keys());
  for (const [name, v] of Object.entries(variables)) {
    const key = `var.${name}`;
    if (!keys.has(key)) throw new Error(`${path}: checkpoint lacks '${name}'`);
    const shape = file.get(key)!.shape;
    if (shape.join(',') !== v.shape.join(',')) throw new Error(`${path}: '${name}' is [${shape}] in the checkpoint, [${v.shape}] in the model`);
  }
  for (const [name, v] of Object.entries(variables)) {
    const t = file.tensor(`var.${name}`);
    v.assign(t);
    t.dispose();
  }
  const m: Record<string, Float32Array> = {};
  const vv: Record<string, Float32Array> = {};
  for (const key of keys) {
    if (key.startsWith('adam.m.')) m[key.slice(7)] = file.get(key)!.data as Float32Array;
    else if (key.startsWith('adam.v.')) vv[key.slice(7)] = file.get(key)!.data as Float32Array;
  }
  const { adamStep, ...progress } = meta;
  return { progress, optimizer: { step: adamStep, m, v: vv } };
}
