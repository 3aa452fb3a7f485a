import { halfTable } from '@anydepth/datasets';
import { codeMapStatistics, type MapStatistics } from './score-codes.js';
import { floatMapStatistics } from './score-float.js';

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

  const half = options.float16 ? halfTable() : undefined;
  const scale = options.scale ?? 1;

  let stats: MapStatistics;
  if (!half && mask === undefined && data instanceof Uint16Array && scale > 0 && Number.isFinite(scale)) {
    // 16-bit integer codes (PNG depth): scored on the integers, no per-pixel float64 map.
    stats = codeMapStatistics(data, width, height, scale, maxDepth, K, edgeFraction);
  } else {
    stats = floatMapStatistics(data, width, height, { half, mask, maxDepth, scale, bins: K, edgeFraction });
  }
  const { count, hist, smooth } = stats;

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
  // Gradient Continuity Score: 1/(1 + σ/μ) over the smooth region; 1 when perfectly flat, 0 without positions.
  const gradScore = smooth === undefined ? 0 : smooth.mean === 0 ? 1 : 1 / (1 + smooth.std / smooth.mean);
  const validRatio = count / n;
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
