/** The per-image depth metrics (evaluation.md §5; Marigold `src/util/metric.py`). Fractions, not percent. */
export interface DepthMetrics {
  /** mean |p − g| / g */
  absRel: number;
  /** mean (p − g)² / g */
  sqRel: number;
  /** sqrt(mean (p − g)²) */
  rmse: number;
  /** sqrt(mean (ln p − ln g)²) */
  rmseLog: number;
  /** mean |log10 p − log10 g| */
  log10: number;
  /** mean(max(p/g, g/p) < 1.25) */
  delta1: number;
  /** … < 1.25² */
  delta2: number;
  /** … < 1.25³ */
  delta3: number;
  /** 100 · sqrt(mean d² − (mean d)²), d = ln p − ln g (Marigold silog_rmse) */
  silog: number;
  /** sqrt(mean (1/g − 1/p)²) (Marigold i_rmse) */
  iRmse: number;
}

export const METRIC_KEYS: readonly (keyof DepthMetrics)[] = ['absRel', 'sqRel', 'rmse', 'rmseLog', 'log10', 'delta1', 'delta2', 'delta3', 'silog', 'iRmse'];

const D1 = 1.25;
const D2 = 1.25 ** 2;
const D3 = 1.25 ** 3;

/**
 * Metrics of `pred` against `gt` over the pixels where `valid` is non-zero, accumulated in float64.
 * Both maps must be positive and finite on the valid pixels (evaluateDepth guarantees it). Returns
 * null when no pixel is valid.
 */
export function computeDepthMetrics(pred: ArrayLike<number>, gt: ArrayLike<number>, valid: ArrayLike<number>): DepthMetrics | null {
  if (pred.length !== gt.length || valid.length !== gt.length) {
    throw new Error(`computeDepthMetrics: pred (${pred.length}), gt (${gt.length}) and valid (${valid.length}) must have the same length`);
  }
  let n = 0;
  let absRel = 0;
  let sqRel = 0;
  let se = 0;
  let seLog = 0;
  let log10 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let sumD = 0;
  let iSe = 0;
  // d = ln p − ln g is needed twice: its mean first, then the spread about it (two-pass variance).
  for (let i = 0; i < gt.length; i++) {
    if (!valid[i]) continue;
    const p = pred[i];
    const g = gt[i];
    n++;
    const diff = p - g;
    absRel += Math.abs(diff) / g;
    sqRel += (diff * diff) / g;
    se += diff * diff;
    const d = Math.log(p) - Math.log(g);
    seLog += d * d;
    sumD += d;
    log10 += Math.abs(Math.log10(p) - Math.log10(g));
    const ratio = Math.max(p / g, g / p);
    if (ratio < D1) d1++;
    if (ratio < D2) d2++;
    if (ratio < D3) d3++;
    const inv = 1 / g - 1 / p;
    iSe += inv * inv;
  }
  if (n === 0) return null;
  const meanD = sumD / n;
  // silog² = mean d² − (mean d)², computed as mean (d − mean d)²: the same number, without the
  // cancellation that leaves ~1e-13 of noise (silog ~5e-5) for a constant error over 10⁵ pixels.
  let spread = 0;
  for (let i = 0; i < gt.length; i++) {
    if (!valid[i]) continue;
    const c = Math.log(pred[i]) - Math.log(gt[i]) - meanD;
    spread += c * c;
  }
  const silogVar = spread / n;
  return {
    absRel: absRel / n,
    sqRel: sqRel / n,
    rmse: Math.sqrt(se / n),
    rmseLog: Math.sqrt(seLog / n),
    log10: log10 / n,
    delta1: d1 / n,
    delta2: d2 / n,
    delta3: d3 / n,
    silog: 100 * Math.sqrt(silogVar),
    iRmse: Math.sqrt(iSe / n),
  };
}
