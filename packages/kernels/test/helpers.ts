import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@anydepth/test-utils';

/** Deterministic uniform(-1, 1) values (mulberry32). */
export function randomValues(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Error of `got` against `want`, relative to max |want| (the tolerance the issue sets: 1e-4). */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let max = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    max = Math.max(max, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  return err / max;
}

/** A 3×3 convolution test case: input shape, output channels, tfjs padding. */
export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  cout: number;
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
}

/** Explicit padding, 2 rows on top and 1 + 2 columns: partial tiles on every side. */
export const ASYMMETRIC_PAD: ConvCase['pad'] = [
  [0, 0],
  [2, 0],
  [1, 2],
  [0, 0],
];

export interface HostInput {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/** Runs one kernel on a backend with the given host inputs and returns its output values and shape. */
export async function runOn(
  backend: 'cpu' | 'wasm',
  kernel: string,
  inputs: Record<string, HostInput>,
  attrs: Record<string, unknown>,
): Promise<{ values: Float32Array; shape: number[] }> {
  await setBackend(backend);
  return tf.tidy(() => {
    const ins: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ins[k] = tf.tensor(v.values, v.shape, v.dtype ?? 'float32');
    const out = tf.engine().runKernel(kernel, ins as never, attrs as never) as tf.Tensor;
    return { values: Float32Array.from(out.dataSync()), shape: out.shape };
  });
}
