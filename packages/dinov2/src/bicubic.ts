/**
 * PyTorch's bicubic resampling as explicit 1-D weight matrices, so a separable resize is two
 * matMuls. Two kernels, both with `align_corners=False`:
 * - plain (`F.interpolate(mode='bicubic')`): Keys cubic with A = -0.75 on the 4 taps around
 *   src = s·(dst + 0.5) − 0.5 (no clamp of src), tap indices clamped to the border;
 * - antialiased (`antialias=True`): the PIL-style filter with a = -0.5 whose support widens by
 *   the shrink factor, weights renormalised to sum 1, taps outside the input dropped.
 * s = 1 / scale_factor when a scale factor is given (PyTorch then samples with it even though the
 * output size is floor(in·scale_factor)), else in / out. Index arithmetic follows the float32
 * kernel (Math.fround) so the weights match what PyTorch computes for float tensors.
 */

export interface ResampleSpec {
  inSize: number;
  outSize: number;
  /** The scale factor given to `F.interpolate`, when one was (then it sets the sampling step). */
  scaleFactor?: number;
  antialias?: boolean;
}

const f32 = Math.fround;

/** Keys cubic convolution, |x| ≤ 1 branch. */
function cubic1(x: number, a: number): number {
  return f32(f32(f32(f32(f32((a + 2) * x) - (a + 3)) * x) * x) + 1);
}

/** Keys cubic convolution, 1 < |x| < 2 branch. */
function cubic2(x: number, a: number): number {
  return f32(f32(f32(f32(f32(f32(a * x) - 5 * a) * x) + 8 * a) * x) - 4 * a);
}

/** The sampling step PyTorch uses for this axis (`area_pixel_compute_scale`, align_corners=False). */
function sourceStep(spec: ResampleSpec): number {
  return spec.scaleFactor !== undefined && spec.scaleFactor > 0 ? 1 / spec.scaleFactor : spec.inSize / spec.outSize;
}

/** The 4 taps of each output sample: source indices (border-clamped) and weights, both [outSize · 4]. */
export interface CubicTaps {
  indices: Int32Array;
  weights: Float32Array;
}

/** Taps of the plain bicubic kernel (A = -0.75), also what OpenCV's INTER_CUBIC uses for in/out steps. */
export function bicubicTaps(spec: ResampleSpec): CubicTaps {
  const { inSize, outSize } = spec;
  const a = -0.75;
  const step = f32(sourceStep(spec));
  const indices = new Int32Array(outSize * 4);
  const weights = new Float32Array(outSize * 4);
  for (let o = 0; o < outSize; o++) {
    const real = f32(f32(step * f32(o + 0.5)) - 0.5);
    const index = Math.floor(real);
    const t = Math.min(Math.max(f32(real - index), 0), 1);
    const coeffs = [cubic2(f32(t + 1), a), cubic1(t, a), cubic1(f32(1 - t), a), cubic2(f32(2 - t), a)];
    for (let k = 0; k < 4; k++) {
      indices[o * 4 + k] = Math.min(Math.max(index - 1 + k, 0), inSize - 1);
      weights[o * 4 + k] = coeffs[k];
    }
  }
  return { indices, weights };
}

/** Row-major [outSize, inSize] weights of the plain bicubic kernel (A = -0.75). */
export function bicubicWeights(spec: ResampleSpec): Float64Array {
  const { indices, weights } = bicubicTaps(spec);
  const w = new Float64Array(spec.outSize * spec.inSize);
  for (let o = 0; o < spec.outSize; o++) {
    for (let k = 0; k < 4; k++) w[o * spec.inSize + indices[o * 4 + k]] += weights[o * 4 + k];
  }
  return w;
}

/** PIL / PyTorch antialias cubic filter (a = -0.5). */
function aaCubic(x: number): number {
  const a = -0.5;
  const ax = Math.abs(x);
  if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
  if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
  return 0;
}

/** Row-major [outSize, inSize] weights of the antialiased bicubic kernel. */
export function bicubicAntialiasWeights(spec: ResampleSpec): Float64Array {
  const { inSize, outSize } = spec;
  const scale = sourceStep(spec);
  const support = scale >= 1 ? 2 * scale : 2; // interp_size 4 → half-width 2, widened when shrinking
  const invScale = scale >= 1 ? 1 / scale : 1;
  const w = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const center = scale * (o + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let j = xmin; j < xmax; j++) total += aaCubic((j - center + 0.5) * invScale);
    for (let j = xmin; j < xmax; j++) {
      const v = aaCubic((j - center + 0.5) * invScale);
      w[o * inSize + j] = total !== 0 ? v / total : v;
    }
  }
  return w;
}

/** The weights PyTorch applies along one axis for this spec. */
export function resampleWeights(spec: ResampleSpec): Float64Array {
  if (!Number.isInteger(spec.inSize) || !Number.isInteger(spec.outSize) || spec.inSize < 1 || spec.outSize < 1) {
    throw new Error(`bicubic resample: sizes must be positive integers, got ${spec.inSize} → ${spec.outSize}`);
  }
  return spec.antialias ? bicubicAntialiasWeights(spec) : bicubicWeights(spec);
}
