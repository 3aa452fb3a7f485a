import * as tf from '@tensorflow/tfjs-core';
import { expectClose } from '@anydepth/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/index.js';
import { shutdownWasm, useThreadedWasm, wasmThreads } from '../src/node.js';

/** Runs `f` on the cpu backend and on the current one; returns both results as arrays. */
async function onBothBackends(f: () => tf.Tensor): Promise<{ cpu: Float32Array; fast: Float32Array }> {
  const backend = tf.getBackend();
  const fastT = f();
  const fast = (await fastT.data()) as Float32Array;
  fastT.dispose();
  await tf.setBackend('cpu');
  const cpuT = f();
  const cpu = (await cpuT.data()) as Float32Array;
  cpuT.dispose();
  await tf.setBackend(backend);
  return { cpu, fast };
}

describe('useThreadedWasm', () => {
  afterAll(() => shutdownWasm());

  it('runs XNNPACK on the requested number of threads in Node', async () => {
    await useBackend('cpu');
    expect(await useThreadedWasm({ threads: 2 })).toBe(2);
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmThreads()).toBe(2);
    // The pool is real: one pthread worker runs beside the calling thread.
    const module = (tf.backend() as unknown as { wasm: { PThread: { runningWorkers: unknown[] } } }).wasm;
    expect(module.PThread.runningWorkers.length).toBe(1);
  });

  it('leaves the process globals it patches during initialisation as they were', () => {
    expect(globalThis.Blob.name).toBe('Blob');
    expect(URL.createObjectURL.name).toBe('createObjectURL');
  });

  it('matches the cpu backend on a 3×3 convolution, a depthwise convolution and a matmul split across threads', async () => {
    const x = tf.randomNormal([1, 23, 29, 64], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 64, 48], 0, 0.1, 'float32', 2) as tf.Tensor4D;
    const dw = tf.randomNormal([3, 3, 64, 1], 0, 0.1, 'float32', 3) as tf.Tensor4D;
    const a = tf.randomNormal([300, 200], 0, 1, 'float32', 4) as tf.Tensor2D;
    const b = tf.randomNormal([200, 170], 0, 0.1, 'float32', 5) as tf.Tensor2D;
    const conv = await onBothBackends(() => tf.relu(tf.conv2d(x, w, 1, 'same')));
    expectClose(conv.fast, conv.cpu, { atol: 1e-4, rtol: 1e-4 });
    const depthwise = await onBothBackends(() => tf.depthwiseConv2d(x, dw, 1, 'same'));
    expectClose(depthwise.fast, depthwise.cpu, { atol: 1e-4, rtol: 1e-4 });
    const mm = await onBothBackends(() => tf.matMul(a, b));
    expectClose(mm.fast, mm.cpu, { atol: 1e-4, rtol: 1e-4 });
    tf.dispose([x, w, dw, a, b]);
  });

  it('keeps the tensor count flat over repeated threaded work', async () => {
    const x = tf.randomNormal([1, 32, 32, 32]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 32, 32]) as tf.Tensor4D;
    const run = async () => {
      const y = tf.tidy(() => tf.sum(tf.conv2d(x, w, 1, 'same')));
      await y.data();
      y.dispose();
    };
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it('refuses a different thread count once the pool exists', async () => {
    await expect(useThreadedWasm({ threads: 3 })).rejects.toThrow(/already runs 2 threads/);
    expect(await useThreadedWasm({ threads: 2 })).toBe(2);
  });

  it('refuses to switch a wasm backend that was initialised single-threaded', async () => {
    shutdownWasm();
    expect(wasmThreads()).toBe(0);
    expect(await useBackend('wasm')).toBe('wasm');
    await expect(useThreadedWasm({ threads: 2 })).rejects.toThrow(/already initialised single-threaded/);
    const y = tf.add(tf.scalar(1), tf.scalar(2));
    expect(await y.data()).toEqual(new Float32Array([3]));
    y.dispose();
  });

  it('rejects a thread count that is not a positive integer', async () => {
    await expect(useThreadedWasm({ threads: 0 })).rejects.toThrow(/positive integer/);
    await expect(useThreadedWasm({ threads: 1.5 })).rejects.toThrow(/positive integer/);
  });
});
