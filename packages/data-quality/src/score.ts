import { halfTable } from '@anydepth/datasets';
import { BUCKETS, IS_LITTLE_ENDIAN, quantileLinear, smoothRegionStats } from './quantile.js';

/** The per-sample scores of data-quality.md. */
export interface QualityScores {
  width: number;
  height: number;
  validRatio: number;
  chi2Score: number;
  concScore: number;
  rangeScore: number;
  distScore: number;
  gradScore: number;
  totalScore: number;
}

export interface ScoreOptions {
  /** Caller validity mask (nonzero = valid), AND-ed with isFinite(D) && D > 0. */
  mask?: ArrayLike<number>;
  /** Far plane: values above it are invalid (default none). */
  maxDepth?: number;
  /** Histogram bins K (default 20). */
  bins?: number;
  /** Weights of S_χ², S_conc, S_range in S_dist (default [0.5, 0.3, 0.2]). */
  weights?: [number, number, number];
  /** Fraction of gradient positions treated as edges (default 0.1 → the 90th percentile). */
  edgeFraction?: number;
  /** `data` holds IEEE half-precision bit patterns (Uint16Array), e.g. Hypersim's float16. */
  float16?: boolean;
  /**
   * Divide every value by this in float64 before scoring (e.g. raw 16-bit PNG values with 1000 for NYU). Scoring the
   * raw integers this way matches a float64 reference exactly; a float32 depth map differs by float32 rounding.
   */
  scale?: number;
}

export type DepthInput = Float32Array | Float64Array | Uint16Array | Uint32Array | Int32Array | ArrayLike<number>;

// Scratch buffers reused across calls (scoring runs millions of maps; allocations would dominate).
let scratchValues = new Float64Array(0);
let scratchValid = new Uint8Array(0);
let divTable: Float64Array | undefined;
let divScale = NaN;

function divisionTable(scale: number): Float64Array {
  if (divTable && divScale === scale) return divTable;
  const t = new Float64Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = i / scale;
  divTable = t;
  divScale = scale;
  return t;
}

let codeCounts: Uint32Array | undefined;
let scratchGrad = new Float64Array(0);
let scratchGradWords = new Uint32Array(0);
const gradBuckets = new Uint32Array(BUCKETS);

/**
 * Scores one depth map (H×W, row-major) exactly as data-quality.md defines it: Depth Distribution Score
 * (χ², concentration, range over K equal-width bins of the per-sample [min, max]) and Gradient Continuity Score
 * (forward differences, smooth region G ≤ 90th percentile, 1/(1 + σ/μ)). All arithmetic in float64.
 */
export function scoreDepthMap(data: DepthInput, width: number, height: number, options: ScoreOptions = {}): QualityScores {
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`scoreDepthMap: invalid size ${width}x${height}`);
  }
  if (data.length !== n) throw new Error(`scoreDepthMap: data has ${data.length} values, expected ${width}x${height} = ${n}`);
  const { mask } = options;
  if (mask && mask.length !== n) throw new Error(`scoreDepthMap: mask has ${mask.length} values, expected ${n}`);
  const K = options.bins ?? 20;
  if (!Number.isInteger(K) || K < 1) throw new Error(`scoreDepthMap: bins must be a positive integer, got ${K}`);
  const [wChi, wConc, wRange] = options.weights ?? [0.5, 0.3, 0.2];
  const maxDepth = options.maxDepth ?? Infinity;
  const edgeFraction = options.edgeFraction ?? 0.1;

  if (scratchValues.length < n) {
    scratchValues = new Float64Array(n);
    scratchValid = new Uint8Array(n);
  }
  const v = scratchValues;
  const ok = scratchValid;
  const half = options.float16 ? halfTable() : undefined;
  const scale = options.scale ?? 1;

  // Pass 1: values as float64, validity, count, min, max. The common cases get their own tight loops.
  let usedCodeCounts = false;
  let count = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const src = data as ArrayLike<number>;
  if (!half && mask === undefined && maxDepth === Infinity && scale !== 1 && data instanceof Uint16Array) {
    // 16-bit integers ÷ scale: a cached table of all 65536 quotients (the same float64 divisions, done once).
    const table = divisionTable(scale);
    // 16-bit maps hold at most 65,536 distinct depths: count codes here, bin each code once later.
    codeCounts ??= new Uint32Array(65536);
    codeCounts.fill(0);
    usedCodeCounts = true;
    for (let i = 0; i < n; i++) {
      const code = data[i];
      const d = table[code];
      v[i] = d;
      if (d > 0) {
        ok[i] = 1;
        count++;
        codeCounts[code]++;
        if (d < lo) lo = d;
        if (d > hi) hi = d;
      } else ok[i] = 0;
    }
  } else if (!half && mask === undefined && maxDepth === Infinity) {
    for (let i = 0; i < n; i++) {
      const d = scale === 1 ? +src[i] : src[i] / scale;
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
      const raw = half ? half[src[i] & 0xffff] : +src[i];
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
  const validRatio = count / n;

  // Pass 2 (fused): histogram of the valid values (numpy.histogram: index from (v − lo)·K/(hi − lo), corrected
  // against the linspace edges) and the gradient magnitudes at positions i < H−1, j < W−1 where D[i,j], D[i,j+1]
  // and D[i+1,j] are all valid.
  const hist = new Float64Array(K);
  const maxG = (height - 1) * (width - 1);
  if (scratchGrad.length < maxG) {
    scratchGrad = new Float64Array(maxG);
    scratchGradWords = new Uint32Array(scratchGrad.buffer);
  }
  const g = scratchGrad;
  const gw = scratchGradWords;
  // Radix histogram of the gradient magnitudes (top 16 bits of the float64, monotonic for values ≥ 0) for the
  // exact selection of the quantile; built as the magnitudes are produced.
  const radix = IS_LITTLE_ENDIAN;
  if (radix) gradBuckets.fill(0);
  let m = 0;
  if (count > 0) {
    const flat = hi === lo;
    const norm = K / (hi - lo);
    const step = (hi - lo) / K;
    const edges = new Float64Array(K + 1);
    for (let k = 0; k < K; k++) edges[k] = k * step + lo;
    edges[K] = hi;
    const last = K - 1;
    const binOf = (d: number): number => {
      if (flat) return 0;
      let k = ((d - lo) * norm) | 0; // ≥ 0 and ≤ K: truncation = floor
      if (k > last) k = last;
      if (d < edges[k]) k--;
      else if (k !== last && d >= edges[k + 1]) k++;
      return k;
    };
    if (usedCodeCounts) {
      const table = divisionTable(scale);
      for (let code = 0; code < 65536; code++) if (codeCounts![code] !== 0) hist[binOf(table[code])] += codeCounts![code];
    }
    const histogramPerPixel = !usedCodeCounts;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      const gradRow = y < height - 1;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        if (ok[i] === 0) continue;
        const d = v[i];
        if (histogramPerPixel) hist[binOf(d)]++;
        if (gradRow && x < width - 1 && ok[i + 1] !== 0 && ok[i + width] !== 0) {
          const dx = v[i + 1] - d;
          const dy = v[i + width] - d;
          g[m] = Math.sqrt(dx * dx + dy * dy);
          if (radix) gradBuckets[gw[2 * m + 1] >>> 16]++;
          m++;
        }
      }
    }
  }
  let chi2Score = 0;
  let concScore = 0;
  let rangeScore = 0;
  let distScore = 0;
  if (count > 0) {
    const mean = count / K;
    let chi2 = 0;
    let maxCount = 0;
    let nonEmpty = 0;
    for (let k = 0; k < K; k++) {
      const c = hist[k];
      chi2 += ((c - mean) * (c - mean)) / mean;
      if (c > maxCount) maxCount = c;
      if (c > 0) nonEmpty++;
    }
    chi2Score = Math.exp(-chi2 / count);
    const pMax = maxCount / count;
    const t = 2 / K;
    concScore = pMax <= t ? 1 : 1 - Math.min(1, (pMax - t) / (0.5 - t));
    rangeScore = nonEmpty / K;
    distScore = wChi * chi2Score + wConc * concScore + wRange * rangeScore;
  }

  // Gradient Continuity Score: smooth region G ≤ 90th percentile (numpy linear quantile, by selection).
  let gradScore = 0;
  if (m > 0 && radix) {
    const st = smoothRegionStats(g, m, gradBuckets, 1 - edgeFraction);
    const mu = st.sum / st.k;
    if (mu === 0) gradScore = 1;
    else {
      // Σ(x − μ)² from sums shifted by c: Σ(x − c)² − k(μ − c)²
      const variance = Math.max(0, st.sumSqShifted / st.k - (mu - st.shift) * (mu - st.shift));
      gradScore = 1 / (1 + Math.sqrt(variance) / mu);
    }
  } else if (m > 0) {
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
    const mu = sum / k;
    if (mu === 0) gradScore = 1;
    else {
      let ss = 0;
      for (let i = 0; i < m; i++) if (g[i] <= q) ss += (g[i] - mu) * (g[i] - mu);
      gradScore = 1 / (1 + Math.sqrt(ss / k) / mu);
    }
  }
  return {
    width,
    height,
    validRatio,
    chi2Score,
    concScore,
    rangeScore,
    distScore,
    gradScore,
    totalScore: (gradScore + distScore) / 2,
  };
}
