import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { setBackend } from '@anydepth/test-utils';
import * as kernels from '../src/index.js';

const WASM = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum'];

describe('registration', () => {
  it('importing the package registers nothing', async () => {
    await setBackend('cpu');
    await setBackend('wasm');
    expect(kernels.registeredTrainingKernels()).toEqual([]);
    for (const name of WASM) expect(tf.getKernel(name, 'wasm'), name).toBeUndefined(); // tfjs-backend-wasm 4.22 lacks all four
    expect(tf.getKernel('UnsortedSegmentSum', 'cpu')?.kernelFunc).not.toBe(kernels.unsortedSegmentSumCpuConfig.kernelFunc);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).not.toBe(kernels.conv2DBackpropInputWasmConfig.kernelFunc);
  });

  it('registers every kernel once; a second call is a harmless no-op; unregister restores the stock kernels', async () => {
    const stockCpu = tf.getKernel('UnsortedSegmentSum', 'cpu');
    const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
    const stockSum = tf.getKernel('Sum', 'wasm');
    const stockMatMul = tf.getKernel('BatchMatMul', 'wasm');
    const first = kernels.registerTrainingKernels();
    expect(first.sort()).toEqual(
      [...WASM.map((n) => `${n}/wasm`), 'Conv2DBackpropInput/wasm', 'Sum/wasm', 'Mean/wasm', 'BatchMatMul/wasm', 'UnsortedSegmentSum/cpu'].sort(),
    );
    expect(kernels.registerTrainingKernels()).toEqual([]);
    expect(kernels.registeredTrainingKernels().sort()).toEqual(first.sort());
    for (const name of WASM) expect(tf.getKernel(name, 'wasm')).toBeDefined();

    // Still computes correctly after the repeated registration.
    await setBackend('wasm');
    const dw = tf.tidy(() => tf.conv2d(tf.ones([1, 4, 4, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same'));
    expect(dw.shape).toEqual([1, 4, 4, 1]);
    dw.dispose();

    kernels.unregisterTrainingKernels();
    expect(kernels.registeredTrainingKernels()).toEqual([]);
    for (const name of WASM) expect(tf.getKernel(name, 'wasm')).toBeUndefined();
    expect(tf.getKernel('UnsortedSegmentSum', 'cpu')).toBe(stockCpu);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(stockInput);
    expect(tf.getKernel('Sum', 'wasm')).toBe(stockSum);
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(stockMatMul);
    kernels.unregisterTrainingKernels(); // twice is harmless too
  });

  it('registers only the requested backends and keeps existing wasm kernels unless asked to replace them', () => {
    expect(kernels.registerTrainingKernels({ backends: ['cpu'] })).toEqual(['UnsortedSegmentSum/cpu']);
    const custom = { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: () => ({ dataId: {}, shape: [], dtype: 'float32' as const }) };
    tf.registerKernel(custom);
    expect(kernels.registerTrainingKernels({ backends: ['wasm'] }).sort()).toEqual(
      [...WASM.filter((n) => n !== 'UnsortedSegmentSum'), 'Conv2DBackpropInput', 'Sum', 'Mean', 'BatchMatMul'].map((n) => `${n}/wasm`).sort(),
    );
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')?.kernelFunc).toBe(custom.kernelFunc);
    expect(kernels.registerTrainingKernels({ backends: ['wasm'], replaceExisting: true })).toEqual(['UnsortedSegmentSum/wasm']);
    kernels.unregisterTrainingKernels();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')?.kernelFunc).toBe(custom.kernelFunc);
    tf.unregisterKernel('UnsortedSegmentSum', 'wasm');
  });
});
