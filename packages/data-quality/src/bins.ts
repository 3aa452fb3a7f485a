/**
 * numpy.histogram's bin of a value for K equal-width bins over [lo, hi] (last bin closed): the index from
 * (v − lo)·K/(hi − lo), then corrected against the linspace edges so values on an edge land where numpy puts them.
 * Only called for lo ≤ v ≤ hi.
 */
export function histogramBinner(lo: number, hi: number, K: number): (v: number) => number {
  if (hi === lo) return () => 0;
  const norm = K / (hi - lo);
  const step = (hi - lo) / K;
  const edges = new Float64Array(K + 1);
  for (let k = 0; k < K; k++) edges[k] = k * step + lo;
  edges[K] = hi;
  const last = K - 1;
  return (v: number): number => {
    let k = ((v - lo) * norm) | 0; // ≥ 0 and ≤ K: truncation = floor
    if (k > last) k = last;
    if (v < edges[k]) k--;
    else if (k !== last && v >= edges[k + 1]) k++;
    return k;
  };
}
