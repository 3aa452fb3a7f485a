import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { assertNHWC, convGeometry } from './conv-info.js';
import { flippedFilterConv } from './flipped-conv.js';
import { runStockWasm } from './stock.js';
import { type WasmKernelArgs, kernelConfig } from './wasm-backend.js';

/**
 * Conv2DBackpropInput for the wasm backend. tfjs-backend-wasm ships one, but it is a plain C++ loop several
 * times slower than its XNNPACK forward conv. For stride 1 the input gradient is a forward convolution of dY
 * with the spatially flipped, in/out-swapped filter and padding K−1−pad, so this runs the wasm Conv2D kernel
 * on that; other strides go to the stock kernel.
 */
export function conv2DBackpropInputWasm(args: WasmKernelArgs<{ dy: TensorInfo; filter: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  assertNHWC('Conv2DBackpropInput', attrs.dataFormat as string | undefined);
  const g = convGeometry(inputShape, filter.shape, attrs, false);
  const [kh, kw] = [g.filterHeight, g.filterWidth];
  const pads = [kh - 1 - g.padTop, kh - 1 - g.padBottom, kw - 1 - g.padLeft, kw - 1 - g.padRight];
  if (g.strideHeight !== 1 || g.strideWidth !== 1 || pads.some((p) => p < 0)) {
    return runStockWasm('Conv2DBackpropInput', args);
  }
  return flippedFilterConv('Conv2D', backend, dy, filter, [kh, kw, g.outChannels, g.inChannels], pads, { dataFormat: 'NHWC', dilations: 1 }); // [N, H, W, Ci]
}

export const conv2DBackpropInputWasmConfig: KernelConfig = kernelConfig('Conv2DBackpropInput', 'wasm', conv2DBackpropInputWasm);
