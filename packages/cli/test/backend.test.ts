import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { wasmThreads } from '@anydepth/core/node';
import { registeredInferenceKernels, unregisterInferenceKernels, winogradState } from '@anydepth/kernels';
import { afterAll, describe, expect, it } from 'vitest';
import { startBackend } from '../src/backend.js';

afterAll(() => unregisterInferenceKernels());

describe('startBackend for inference (predict, eval)', () => {
  it('starts wasm with XNNPACK and the Winograd conv on every core, and says so', async () => {
    const lines: string[] = [];
    expect(await startBackend('wasm', (l) => lines.push(l), { winograd: true })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const cores = availableParallelism();
    expect(wasmThreads()).toBe(cores > 1 ? cores : 0); // 0: the stock single-threaded backend
    expect(registeredInferenceKernels()).toEqual(['Conv2D/wasm', 'FusedConv2D/wasm', 'Erf/wasm']);
    expect(winogradState.pool?.threads).toBe(cores);
    expect(lines).toEqual([`wasm: ${cores} thread(s), Winograd 3×3 convolutions`]);
    // A second start in the same process keeps the threaded backend (the thread count is fixed per process).
    expect(await startBackend('wasm', (l) => lines.push(l), { winograd: true })).toBe('wasm');
    expect(lines).toHaveLength(2);
    const calls = winogradState.calls;
    const y = tf.tidy(() => tf.sum(tf.conv2d(tf.ones([1, 8, 8, 32]) as tf.Tensor4D, tf.ones([3, 3, 32, 32]) as tf.Tensor4D, 1, 'same')).dataSync()[0]);
    // Each output is 32 · (number of in-image taps): 9 inside, 6 on edges, 4 at corners → 32 · 32 · Σ taps.
    expect(y).toBe(32 * 32 * (36 * 9 + 24 * 6 + 4 * 4));
    expect(winogradState.calls).toBe(calls + 1);
  });
});
