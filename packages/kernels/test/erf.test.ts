import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileWat, unsharedVariant } from '../../../scripts/build-wasm.mjs';
import { erfModuleFor, registerInferenceKernels, registeredInferenceKernels, unregisterInferenceKernels } from '../src/index.js';
import { erfUnsharedWasmBase64 } from '../src/wasm/erf-unshared-wasm.js';
import { erfWasmBase64 } from '../src/wasm/erf-wasm.js';

const wat = readFileSync(new URL('../src/wasm/erf.wat', import.meta.url), 'utf8');

/** −6…6 densely, the float32 edge cases, and a few large magnitudes (erf saturates to ±1). */
function inputs(): Float32Array {
  const dense = Array.from({ length: 12001 }, (_, i) => -6 + i / 1000);
  return Float32Array.from([...dense, 0, -0, 1e-30, -1e-30, 1e-7, 87, -87, 1e4, -3e38, Infinity, -Infinity, NaN]);
}

/** |a − b| over the finite entries, with NaN required where the reference is NaN and equal signs of zeros and infinities. */
function maxError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i]).toBeNaN();
    else err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  return err;
}

let reference: Float32Array;
const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 4097];

beforeAll(async () => {
  await setBackend('cpu'); // tfjs' cpu Erf: the same Abramowitz & Stegun formula, in float64
  reference = tf.tidy(() => tf.erf(tf.tensor1d(inputs())).dataSync() as Float32Array);
  await setBackend('wasm');
  await registerInferenceKernels();
});

afterAll(() => unregisterInferenceKernels());

describe('SIMD Erf for the wasm backend', () => {
  it('is registered by registerInferenceKernels and restored by unregisterInferenceKernels', () => {
    expect(registeredInferenceKernels()).toContain('Erf/wasm');
  });

  it('matches the cpu backend within 1e-6 on the unshared (single-threaded) backend memory, NaN and ±Inf included', () => {
    // Our module runs on this backend's memory (not the stock kernel): the memory is exported and not shared.
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory?: WebAssembly.Memory } } }).wasm.asm.memory;
    expect(memory).toBeInstanceOf(WebAssembly.Memory);
    expect(memory!.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(erfModuleFor(memory!)).not.toBeNull();
    const got = tf.tidy(() => tf.erf(tf.tensor1d(inputs())).dataSync());
    expect(maxError(got, reference)).toBeLessThan(1e-6);
    expect(Array.from(got.slice(12001, 12003)).map((v) => Object.is(v, -0))).toEqual([false, true]);
  });

  it('handles every length (the partial last vector, and the stock kernel below 4 values) and other shapes', () => {
    const all = inputs();
    for (const n of sizes) {
      const got = tf.tidy(() => tf.erf(tf.tensor1d(all.subarray(2000, 2000 + n))).dataSync());
      expect(maxError(got, reference.subarray(2000, 2000 + n)), `n = ${n}`).toBeLessThan(1e-6);
    }
    const grid = tf.tidy(() => tf.erf(tf.tensor3d(all.subarray(0, 2 * 3 * 5), [2, 3, 5])).arraySync() as number[][][]);
    expect(maxError(grid.flat(2), reference.subarray(0, 30))).toBeLessThan(1e-6);
  });

  it('runs on a shared memory too (the threaded backend) with the same results', () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
    const erf = erfModuleFor(memory);
    expect(erf).not.toBeNull();
    const x = inputs();
    const heap = new Float32Array(memory.buffer);
    heap.set(x, 0);
    erf!.erf(0, x.length * 4, x.length);
    expect(maxError(heap.subarray(x.length, 2 * x.length), reference)).toBeLessThan(1e-6);
    expect(heap[2 * x.length]).toBe(0); // nothing written past the output
  });

  it('keeps the GELU of a ViT MLP numerically the same and tensors flat over repeated calls', () => {
    const x = tf.randomNormal([64, 1536], 0, 2, 'float32', 7);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.erf(x).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('embeds the compiled erf.wat, shared and unshared', async () => {
    expect(Buffer.from(await compileWat('erf.wat', wat)).toString('base64')).toBe(erfWasmBase64);
    expect(Buffer.from(await compileWat('erf.wat', wat, { unshared: true })).toString('base64')).toBe(erfUnsharedWasmBase64);
    expect(unsharedVariant(wat)).toContain('(import "env" "memory" (memory 1))');
    expect(() => unsharedVariant('(module)')).toThrow(/does not import/);
  });
});
