/**
 * Selection-based quantiles (no full sort): Hoare partitioning with median-of-three pivots, O(n) expected.
 * `select(a, k, lo, hi)` rearranges a[lo..hi] so that a[k] is the k-th smallest, smaller-or-equal values before it
 * and larger-or-equal after it.
 */
export function select(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  while (hi > lo) {
    if (hi - lo < 16) {
      // insertion sort for tiny ranges
      for (let i = lo + 1; i <= hi; i++) {
        const v = a[i];
        let j = i - 1;
        while (j >= lo && a[j] > v) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
      return a[k];
    }
    const mid = (lo + hi) >>> 1;
    // median of three → a[mid]
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // now a[lo..j] <= pivot <= a[i..hi], and j < i
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** numpy's "linear" quantile q of n sorted values: the ranks either side of the virtual index, and the weight. */
export function linearQuantileRanks(n: number, q: number): { prev: number; next: number; gamma: number } {
  const virtual = n * q + (1 - q) - 1;
  const floor = Math.floor(virtual);
  const prev = Math.min(Math.max(floor, 0), n - 1);
  return { prev, next: Math.min(prev + 1, n - 1), gamma: virtual - floor };
}

/** numpy's lerp between the order statistics at ranks prev (`lower`) and next (`upper`). */
export function lerpOrderStatistics(lower: number, upper: number, gamma: number): number {
  const diff = upper - lower;
  return gamma >= 0.5 ? upper - diff * (1 - gamma) : lower + diff * gamma;
}

/**
 * The order statistics of a[0..n) at rank k and, when `withNext`, k + 1, by selection: a[k] after `select`, then the
 * smallest value right of it (select leaves everything there ≥ a[k]). Reorders a[0..n).
 */
export function orderStatisticPair(a: Float64Array, n: number, k: number, withNext: boolean): [lower: number, upper: number] {
  const lower = select(a, k, 0, n - 1);
  if (!withNext) return [lower, lower];
  let upper = Infinity;
  for (let i = k + 1; i < n; i++) if (a[i] < upper) upper = a[i];
  return [lower, upper];
}

/**
 * numpy's default `np.quantile(x, q)` ("linear": virtual index n·q + (1 − q) − 1, numpy's lerp) over
 * `a[0..n)`, by selection. Reorders the first n elements of `a`. n must be ≥ 1.
 */
export function quantileLinear(a: Float64Array, n: number, q: number): number {
  const { prev, next, gamma } = linearQuantileRanks(n, q);
  const [lower, upper] = orderStatisticPair(a, n, prev, next !== prev);
  return lerpOrderStatistics(lower, upper, gamma);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let bucketCounts = new Uint32Array(0);
let bucketScratch = new Float64Array(0);

/**
 * The radix buckets [bLo, bHi] of `counts` that hold the values of ranks prev and next, and `base`, the number of
 * values in the buckets below bLo.
 */
function bucketsHolding(counts: Uint32Array, prev: number, next: number): { base: number; bLo: number; bHi: number; size: number } {
  let base = 0;
  let bLo = 0;
  while (base + counts[bLo] <= prev) base += counts[bLo++];
  let bHi = bLo;
  let upto = base + counts[bLo];
  while (upto <= next) upto += counts[++bHi];
  return { base, bLo, bHi, size: upto - base };
}

function scratch(size: number): Float64Array {
  if (bucketScratch.length < size) bucketScratch = new Float64Array(Math.max(size, 1024));
  return bucketScratch;
}

/**
 * Same result as `quantileLinear` for non-negative values (e.g. gradient magnitudes), without reordering `a` and
 * faster on large inputs: a radix pass over the top 16 bits of each float64 (monotonic for values ≥ 0) finds the
 * bucket(s) holding the two order statistics; only those few values are then selected exactly.
 */
export function quantileLinearNonNegative(a: Float64Array, n: number, q: number): number {
  if (n < 8192 || !LITTLE_ENDIAN) return quantileLinear(a.slice(0, n), n, q);
  const { prev, next, gamma } = linearQuantileRanks(n, q);
  if (bucketCounts.length === 0) bucketCounts = new Uint32Array(65536);
  else bucketCounts.fill(0);
  const counts = bucketCounts;
  const words = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  for (let i = 1; i < 2 * n; i += 2) counts[words[i] >>> 16]++;
  const { base, bLo, bHi, size } = bucketsHolding(counts, prev, next);
  const sub = scratch(size);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const b = words[2 * i + 1] >>> 16;
    if (b >= bLo && b <= bHi) sub[k++] = a[i];
  }
  const [lower, upper] = orderStatisticPair(sub, size, prev - base, next !== prev);
  return lerpOrderStatistics(lower, upper, gamma);
}

/** Radix bucket of a non-negative float64 stored at `words[2i], words[2i+1]` (little-endian): its top 16 bits. */
export const BUCKETS = 65536;

/**
 * Statistics of the "smooth region" x ≤ q, q = numpy-linear quantile of `a[0..n)` (non-negative values), in one
 * pass over `a` after a radix histogram `counts` (top 16 bits of each float64, built by the caller): values in
 * buckets below the quantile's bucket are smooth for sure, those above are not, and only the one or two buckets
 * holding the order statistics are selected exactly. Returns q, the count, the sum and the sum of squares
 * (shifted by `shift` for accuracy) of the smooth values.
 */
export function smoothRegionStats(
  a: Float64Array,
  n: number,
  counts: Uint32Array,
  quantile: number,
): { q: number; k: number; sum: number; sumSqShifted: number; shift: number } {
  const { prev, next, gamma } = linearQuantileRanks(n, quantile);
  const { base, bLo, bHi, size } = bucketsHolding(counts, prev, next);
  const sub = scratch(size);
  const words = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  // Shift for the sum of squares: the smallest value of bucket bLo (a typical smooth magnitude scale).
  const shiftWords = new Uint32Array([0, (bLo << 16) >>> 0]);
  const shift = new Float64Array(shiftWords.buffer)[0] / 2;
  let j = 0;
  let k = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const b = words[2 * i + 1] >>> 16;
    if (b < bLo) {
      const x = a[i];
      k++;
      sum += x;
      sumSq += (x - shift) * (x - shift);
    } else if (b <= bHi) sub[j++] = a[i];
  }
  const [lower, upper] = orderStatisticPair(sub, size, prev - base, next !== prev);
  const q = lerpOrderStatistics(lower, upper, gamma);
  for (let i = 0; i < size; i++) {
    const x = sub[i];
    if (x <= q) {
      k++;
      sum += x;
      sumSq += (x - shift) * (x - shift);
    }
  }
  return { q, k, sum, sumSqShifted: sumSq, shift };
}

export const IS_LITTLE_ENDIAN = LITTLE_ENDIAN;
