import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, validRange, type ConvGeometry } from './conv-info.js';
import { flippedFilterConv } from './flipped-conv.js';
import { type WasmKernelArgs, heapF32, kernelConfig } from './wasm-backend.js';

/**
 * Depthwise filter gradient over typed arrays, one pass over dY: for every output pixel and filter tap,
 * dW[kh, kw, c, m] += x[ih, iw, c] · dY[oh, ow, c·M + m]. Accumulates in float64 (the sums run over
 * N·OH·OW terms). `x` [N, H, W, C], `dy` [N, OH, OW, C·M]; returns [KH, KW, C, M] as float32.
 * Deliberate hot-loop twin of `depthwiseInputGrad`: the same walk over output pixels and taps, accumulating into
 * the filter here and scattering into dx there; a shared walker with a per-pixel callback would cost the training
 * step its speed on wasm. Keep the two walks in step by hand.
 */
export function depthwiseFilterGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array {
  const { batch, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels: co, filterHeight, filterWidth } = g;
  const mult = co / c;
  const acc = new Float64Array(filterHeight * filterWidth * co);
  const cols: Array<[number, number]> = [];
  for (let kw = 0; kw < filterWidth; kw++) cols.push(validRange(kw * g.dilationWidth - g.padLeft, g.strideWidth, inWidth, outWidth));
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * g.strideHeight + kh * g.dilationHeight - g.padTop;
        if (ih < 0 || ih >= inHeight) continue;
        const xRow = (b * inHeight + ih) * inWidth;
        const dyRow = (b * outHeight + oh) * outWidth;
        for (let kw = 0; kw < filterWidth; kw++) {
          const [lo, hi] = cols[kw];
          const colOff = kw * g.dilationWidth - g.padLeft;
          const t = (kh * filterWidth + kw) * co;
          for (let ow = lo; ow < hi; ow++) {
            const xo = (xRow + ow * g.strideWidth + colOff) * c;
            const yo = (dyRow + ow) * co;
            if (mult === 1) {
              for (let k = 0; k < c; k++) acc[t + k] += x[xo + k] * dy[yo + k];
            } else {
              for (let k = 0; k < c; k++) {
                const xv = x[xo + k];
                const base = k * mult;
                for (let j = 0; j < mult; j++) acc[t + base + j] += xv * dy[yo + base + j];
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/**
 * Depthwise input gradient over typed arrays, one pass over dY (scatter form):
 * dx[ih, iw, c] += Σ_m dY[oh, ow, c·M + m] · W[kh, kw, c, m]. Writes into `dx` [N, H, W, C] (zeroed here).
 * Deliberate hot-loop twin of `depthwiseFilterGrad` (same walk; no per-pixel callback, for speed).
 */
export function depthwiseInputGrad(dy: Float32Array, w: Float32Array, g: ConvGeometry, dx: Float32Array): void {
  const { batch, inHeight, inWidth, inChannels: c, outHeight, outWidth, outChannels: co, filterHeight, filterWidth } = g;
  const mult = co / c;
  dx.fill(0);
  const cols: Array<[number, number]> = [];
  for (let kw = 0; kw < filterWidth; kw++) cols.push(validRange(kw * g.dilationWidth - g.padLeft, g.strideWidth, inWidth, outWidth));
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const ih = oh * g.strideHeight + kh * g.dilationHeight - g.padTop;
        if (ih < 0 || ih >= inHeight) continue;
        const xRow = (b * inHeight + ih) * inWidth;
        const dyRow = (b * outHeight + oh) * outWidth;
        for (let kw = 0; kw < filterWidth; kw++) {
          const [lo, hi] = cols[kw];
          const colOff = kw * g.dilationWidth - g.padLeft;
          const t = (kh * filterWidth + kw) * co;
          for (let ow = lo; ow < hi; ow++) {
            const xo = (xRow + ow * g.strideWidth + colOff) * c;
            const yo = (dyRow + ow) * co;
            if (mult === 1) {
              for (let k = 0; k < c; k++) dx[xo + k] += dy[yo + k] * w[t + k];
            } else {
              for (let k = 0; k < c; k++) {
                const base = k * mult;
                let s = 0;
                for (let j = 0; j < mult; j++) s += dy[yo + base + j] * w[t + base + j];
                dx[xo + k] += s;
              }
            }
          }
        }
      }
    }
  }
}

export function depthwiseBackpropFilterWasm(args: WasmKernelArgs<{ x: TensorInfo; dy: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const filterShape = attrs.filterShape as number[];
  const g = convGeometry(inputs.x.shape, filterShape, attrs, true);
  const dw = depthwiseFilterGrad(heapF32(backend, inputs.x), heapF32(backend, inputs.dy), g);
  return backend.makeOutput(filterShape, 'float32', undefined, dw);
}

/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend: stride 1 with multiplier 1 runs the wasm forward
 * depthwise kernel on the flipped filter; other cases use the typed-array scatter `depthwiseInputGrad`.
 */
export function depthwiseBackpropInputWasm(args: WasmKernelArgs<{ dy: TensorInfo; filter: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const inputShape = attrs.inputShape as number[];
  const g = convGeometry(inputShape, inputs.filter.shape, attrs, true);
  const [kh, kw] = [(g.filterHeight - 1) * g.dilationHeight, (g.filterWidth - 1) * g.dilationWidth];
  const pads = [kh - g.padTop, kh - g.padBottom, kw - g.padLeft, kw - g.padRight];
  if (g.strideHeight === 1 && g.strideWidth === 1 && g.outChannels === g.inChannels && pads.every((p) => p >= 0)) {
    // Stride 1, multiplier 1: a forward depthwise conv of dY with the flipped filter (the XNNPACK kernel).
    return flippedFilterConv('DepthwiseConv2dNative', backend, inputs.dy, inputs.filter, inputs.filter.shape, pads, {
      dilations: [g.dilationHeight, g.dilationWidth],
    }); // [N, H, W, C]
  }
  const out = backend.makeOutput(inputShape, 'float32');
  depthwiseInputGrad(heapF32(backend, inputs.dy), heapF32(backend, inputs.filter), g, heapF32(backend, out));
  return out;
}

export const depthwiseBackpropFilterWasmConfig: KernelConfig = kernelConfig('DepthwiseConv2dNativeBackpropFilter', 'wasm', depthwiseBackpropFilterWasm);

export const depthwiseBackpropInputWasmConfig: KernelConfig = kernelConfig('DepthwiseConv2dNativeBackpropInput', 'wasm', depthwiseBackpropInputWasm);
