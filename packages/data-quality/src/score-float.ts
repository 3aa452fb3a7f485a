import { histogramBinner } from './bins.js';
import { BUCKETS, IS_LITTLE_ENDIAN, quantileLinear, smoothRegionStats } from './quantile.js';
import type { MapStatistics } from './score-codes.js';

export interface FloatMapOptions {
  /** half-precision lookup table when the data are float16 bit patterns */
  half: Float32Array | undefined;
  mask: ArrayLike<number> | undefined;
  maxDepth: number;
  scale: number;
  bins: number;
  edgeFraction: number;
}

// Scratch buffers reused across calls (scoring runs millions of maps; allocations would dominate).
let scratchValues = new Float64Array(0);
let scratchValid = new Uint8Array(0);
let scratchGrad = new Float64Array(0);
let scratchGradWords = new Uint32Array(0);
const gradBuckets = new Uint32Array(BUCKETS);

/**
 * Statistics of a map of arbitrary numbers (float32/float64 depth, float16 bit patterns, integers ÷ scale): the
 * values as float64 with their validity, then one fused pass for the histogram and the gradient magnitudes, whose
 * 90th percentile is found by a radix histogram of their top 16 bits and an exact selection in one bucket.
 */
export function floatMapStatistics(data: ArrayLike<number>, width: number, height: number, options: FloatMapOptions): MapStatistics {
  const { half, mask, maxDepth, scale, bins: K, edgeFraction } = options;
  const n = width * height;
  if (scratchValues.length < n) {
    scratchValues = new Float64Array(n);
    scratchValid = new Uint8Array(n);
  }
  const v = scratchValues;
  const ok = scratchValid;

  // Pass 1: values as float64, validity, count, min, max. The common case gets its own tight loop.
  let count = 0;
  let lo = Infinity;
  let hi = -Infinity;
  if (!half && mask === undefined && maxDepth === Infinity) {
    for (let i = 0; i < n; i++) {
      const d = scale === 1 ? +data[i] : data[i] / scale;
      v[i] = d;
      // d > 0 is false for NaN; +Inf is excluded explicitly
      if (d > 0 && d !== Infinity) {
        ok[i] = 1;
        count++;
        if (d < lo) lo = d;
        if (d > hi) hi = d;
      } else ok[i] = 0;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const raw = half ? half[data[i] & 0xffff] : +data[i];
      const d = scale === 1 ? raw : raw / scale;
      v[i] = d;
      const good = d > 0 && d !== Infinity && d <= maxDepth && (mask === undefined || mask[i] !== 0);
      ok[i] = good ? 1 : 0;
      if (good) {
        count++;
        if (d < lo) lo = d;
        if (d > hi) hi = d;
      }
    }
  }
  const hist = new Float64Array(K);
  if (count === 0) return { count, hist, smooth: undefined };

  // Pass 2 (fused): histogram of the valid values and the gradient magnitudes at positions i < H−1, j < W−1 where
  // D[i,j], D[i,j+1] and D[i+1,j] are all valid.
  const maxG = (height - 1) * (width - 1);
  if (scratchGrad.length < maxG) {
    scratchGrad = new Float64Array(maxG);
    scratchGradWords = new Uint32Array(scratchGrad.buffer);
  }
  const g = scratchGrad;
  const gw = scratchGradWords;
  // Radix histogram of the magnitudes (top 16 bits of the float64, monotonic for values ≥ 0), built as they come.
  const radix = IS_LITTLE_ENDIAN;
  if (radix) gradBuckets.fill(0);
  const bin = histogramBinner(lo, hi, K);
  let m = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const gradRow = y < height - 1;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (ok[i] === 0) continue;
      const d = v[i];
      hist[bin(d)]++;
      if (gradRow && x < width - 1 && ok[i + 1] !== 0 && ok[i + width] !== 0) {
        const dx = v[i + 1] - d;
        const dy = v[i + width] - d;
        g[m] = Math.sqrt(dx * dx + dy * dy);
        if (radix) gradBuckets[gw[2 * m + 1] >>> 16]++;
        m++;
      }
    }
  }
  if (m === 0) return { count, hist, smooth: undefined };

  // Smooth region G ≤ 90th percentile (numpy linear quantile, by selection).
  if (radix) {
    const st = smoothRegionStats(g, m, gradBuckets, 1 - edgeFraction);
    const mean = st.sum / st.k;
    // Σ(x − μ)² from sums shifted by c: Σ(x − c)² − k(μ − c)²
    const variance = Math.max(0, st.sumSqShifted / st.k - (mean - st.shift) * (mean - st.shift));
    return { count, hist, smooth: { mean, std: Math.sqrt(variance) } };
  }
  // Portable path (big-endian hosts): selection on a copy, then two passes over the smooth region.
  const q = quantileLinear(g.slice(0, m), m, 1 - edgeFraction);
  let sum = 0;
  let k = 0;
  for (let i = 0; i < m; i++) {
    if (g[i] <= q) {
      sum += g[i];
      k++;
    }
  }
  const mean = sum / k;
  let ss = 0;
  for (let i = 0; i < m; i++) if (g[i] <= q) ss += (g[i] - mean) * (g[i] - mean);
  return { count, hist, smooth: { mean, std: Math.sqrt(ss / k) } };
}
