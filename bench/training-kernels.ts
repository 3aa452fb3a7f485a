/**
 * @anydepth/kernels on the wasm backend: GFLOP/s of a 3×3 conv's forward pass (stock XNNPACK) and of its two
 * gradient kernels, the stock wasm Conv2DBackpropInput vs ours (ratio measured in this run), and the depthwise
 * gradient kernels. Medians of 3 runs after one warm-up.
 *
 *   npx turbo run build --filter=@anydepth/kernels...
 *   npx tsx bench/training-kernels.ts [--shape 2,64,64,128]
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@anydepth/core';
import { registerTrainingKernels } from '@anydepth/kernels';

const args = process.argv.slice(2);
const i = args.indexOf('--shape');
const [N, H, W, C] = (i >= 0 ? args[i + 1] : '2,64,64,128').split(',').map(Number);

function time(label: string, flop: number, f: () => tf.Tensor): number {
  f().dispose();
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const r = f();
    r.dataSync();
    times.push(performance.now() - t0);
    r.dispose();
  }
  const ms = times.sort((a, b) => a - b)[1];
  console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  ${(flop / ms / 1e6).toFixed(2).padStart(6)} GFLOP/s`);
  return ms;
}

tf.env().set('IS_TEST', true);
await useBackend('wasm');
const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm')!;
registerTrainingKernels();
const x = tf.randomNormal([N, H, W, C]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, C, C]) as tf.Tensor4D;
const flop = 2 * N * H * W * C * C * 9;
console.log(`3×3 conv, x [${N}, ${H}, ${W}, ${C}] → ${C} channels, stride 1, 'same' (${(flop / 1e9).toFixed(2)} GFLOP each)`);
time('Conv2D forward (stock)', flop, () => tf.conv2d(x, w, 1, 'same'));
const inputAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [N, H, W, C] };
const run = (cfg: tf.KernelConfig) => () =>
  tf.tidy(() => {
    const backend = tf.backend();
    const info = cfg.kernelFunc({ inputs: { dy: x, filter: w }, backend, attrs: inputAttrs as never }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(info);
  });
const stockMs = time('Conv2DBackpropInput, stock wasm kernel', flop, run(stockInput));
const oursMs = time('Conv2DBackpropInput, @anydepth/kernels', flop, run(tf.getKernel('Conv2DBackpropInput', 'wasm')!));
time(
  'Conv2DBackpropFilter, @anydepth/kernels',
  flop,
  () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: x }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, C, C] }) as tf.Tensor,
);
const dw = tf.randomNormal([3, 3, C, 1]) as tf.Tensor4D;
const dflop = 2 * N * H * W * C * 9;
console.log(`depthwise 3×3, x [${N}, ${H}, ${W}, ${C}] (${(dflop / 1e9).toFixed(3)} GFLOP each)`);
time('DepthwiseConv2dNative forward (stock)', dflop, () => tf.depthwiseConv2d(x, dw, 1, 'same'));
time(
  'DepthwiseConv2dNativeBackpropInput (ours)',
  dflop,
  () =>
    tf
      .engine()
      .runKernel('DepthwiseConv2dNativeBackpropInput', { dy: x, filter: dw }, { strides: 1, pad: 'same', dilations: 1, inputShape: [N, H, W, C] }) as tf.Tensor,
);
time(
  'DepthwiseConv2dNativeBackpropFilter (ours)',
  dflop,
  () =>
    tf
      .engine()
      .runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: x }, { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, C, 1] }) as tf.Tensor,
);
console.log(`Conv2DBackpropInput speed-up over the stock wasm kernel: ${(stockMs / oursMs).toFixed(2)}×`);
