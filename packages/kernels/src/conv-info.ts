import { backend_util } from '@tensorflow/tfjs-core';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Pair = number | [number, number];

/** Geometry of a 2-D convolution as the backward kernels need it (NHWC, filter HWIO or HW·C·M). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

/**
 * A conv kernel's geometry from its tfjs attributes (`strides`, `dilations` (default 1), `pad`, `dimRoundingMode`),
 * by tfjs' own `computeConv2DInfo`, so padding ('same', 'valid', a number, explicit) and rounding match exactly.
 */
export function convGeometry(xShape: number[], filterShape: number[], attrs: Record<string, unknown>, depthwise: boolean): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as Pair,
    (attrs.dilations as Pair | undefined) ?? 1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}

/** Throws unless the data format is NHWC (the only one these kernels implement). */
export function assertNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`@anydepth/kernels ${kernel}: only dataFormat NHWC is implemented, got ${dataFormat}`);
  }
}

/**
 * Output columns ow whose input column ow·stride + offset lies in [0, size): the half-open range [lo, hi).
 */
export function validRange(offset: number, stride: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-offset / stride));
  const hi = Math.min(outSize, Math.ceil((size - offset) / stride));
  return [lo, Math.max(lo, hi)];
}

/**
 * Flips a filter spatially and swaps its last two axes: [KH, KW, A, B] → [KH, KW, B, A] with
 * out[kh, kw, b, a] = w[KH−1−kh, KW−1−kw, a, b] (the filter of the input-gradient convolution).
 */
export function flipFilter(w: Float32Array, shape: number[]): Float32Array {
  const [kh, kw, a, b] = shape;
  const out = new Float32Array(w.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = (i * kw + j) * a * b;
      const dst = ((kh - 1 - i) * kw + (kw - 1 - j)) * a * b;
      for (let p = 0; p < a; p++) for (let q = 0; q < b; q++) out[dst + q * a + p] = w[src + p * b + q];
    }
  }
  return out;
}
