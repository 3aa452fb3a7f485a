import { histogramBinner } from './bins.js';
import { lerpOrderStatistics, linearQuantileRanks, orderStatisticPair, select } from './quantile.js';
import { CodeKernel, type CodeCounts } from './wasm/kernel.js';

/**
 * What a scoring path hands to the score formulas: the valid-pixel count, the K-bin histogram of the valid depths,
 * and the mean and population standard deviation of the gradient magnitudes in the smooth region (undefined when no
 * gradient position is kept).
 */
export interface MapStatistics {
  count: number;
  hist: Float64Array;
  smooth: { mean: number; std: number } | undefined;
}

const CODES = 65536;
/** Difference vectors with |dx|, |dy| < HALF are counted in a GRID × GRID table. */
const GRID_BITS = 8;
const GRID = 1 << GRID_BITS;
const HALF = GRID / 2;
/** Squares below HALF² are counted in a dense table; larger ones (edges) are listed. */
const DENSE_SQUARES = HALF * HALF;

let codeCounts: Uint32Array | undefined;
let squareCounts: Uint32Array | undefined;
let differenceCounts: Uint32Array | undefined;
let largeSquares = new Float64Array(0);
let boundary = new Float64Array(0);

interface CodeTable {
  scale: number;
  maxDepth: number;
  /** depth of each 16-bit code: code / scale in float64 (the same division the float path does per pixel) */
  depth: Float64Array;
  /** valid codes are exactly first..last (depth is monotonic in the code); last < first when none is valid */
  first: number;
  last: number;
}
let cachedTable: CodeTable | undefined;

function codeTable(scale: number, maxDepth: number): CodeTable {
  if (cachedTable && cachedTable.scale === scale && Object.is(cachedTable.maxDepth, maxDepth)) return cachedTable;
  const depth = cachedTable?.scale === scale ? cachedTable.depth : new Float64Array(CODES);
  if (cachedTable?.scale !== scale) for (let c = 0; c < CODES; c++) depth[c] = scale === 1 ? c : c / scale;
  let first = CODES;
  let last = -1;
  for (let c = 0; c < CODES; c++) {
    const d = depth[c];
    if (d > 0 && d !== Infinity && d <= maxDepth) {
      if (c < first) first = c;
      last = c;
    }
  }
  cachedTable = { scale, maxDepth, depth, first, last };
  return cachedTable;
}

/**
 * Statistics of a map of 16-bit integer codes whose depth is code / scale, computed on the integers: each code is
 * counted once per pixel and binned once per distinct code, and a gradient is the integer vector (dx, dy) of code
 * differences, so G = √(dx² + dy²) / scale depends only on s = dx² + dy². Difference vectors are counted (a table
 * for |dx|, |dy| < 128, a list of squares beyond), the ranks of the 90th percentile are read off the counts, and the
 * smooth region is summed per distinct s. Only the tie group(s) holding the percentile are revisited with their
 * float64 magnitudes, because inside a group of equal s the float64 values differ by rounding and that decides which
 * members are smooth; so the result equals a float64 evaluation on D = code / scale to ~1e-13 relative. The two
 * per-pixel passes run in WebAssembly (wasm/score-codes.wat, ≈ 1.7× faster) with the same loops in JavaScript as the
 * fallback; both give identical records.
 */
export function codeMapStatistics(
  data: Uint16Array,
  width: number,
  height: number,
  scale: number,
  maxDepth: number,
  bins: number,
  edgeFraction: number,
): MapStatistics {
  const { depth, first, last } = codeTable(scale, maxDepth);
  const span = last - first; // valid ⇔ (code − first) >>> 0 ≤ span
  if (span < 0) return { count: 0, hist: new Float64Array(bins), smooth: undefined }; // no code is valid
  const kernel = CodeKernel.create();
  try {
    return statistics(kernel, data, width, height, scale, depth, first, last, bins, edgeFraction);
  } finally {
    kernel?.release();
  }
}

function statistics(
  kernel: CodeKernel | null,
  data: Uint16Array,
  width: number,
  height: number,
  scale: number,
  depth: Float64Array,
  first: number,
  last: number,
  bins: number,
  edgeFraction: number,
): MapStatistics {
  const span = last - first;
  // Codes and difference vectors (dx, dy) of the kept positions, while both are small (a table increment, no
  // multiplication); larger differences (edges) listed by their square. WebAssembly where available.
  const counted = kernel ? kernel.count(data, width, height, first, span) : countInJs(data, width, height, first, span);
  const { counts, grid, large } = counted;
  let nLarge = counted.nLarge;
  // Difference vectors → squares: below HALF² into the dense table (everything listed is ≥ HALF²), the rest listed.
  squareCounts ??= new Uint32Array(DENSE_SQUARES);
  const squares = squareCounts;
  squares.fill(0);
  for (let dy = 0; dy < GRID; dy++) {
    for (let dx = 0; dx < GRID; dx++) {
      const cnt = grid[(dy << GRID_BITS) | dx];
      if (cnt === 0) continue;
      const s = (dx - HALF) * (dx - HALF) + (dy - HALF) * (dy - HALF);
      if (s < DENSE_SQUARES) squares[s] += cnt;
      else for (let r = 0; r < cnt; r++) large[nLarge++] = s;
    }
  }

  // Depth distribution: count, range and histogram from the code counts.
  const hist = new Float64Array(bins);
  let count = 0;
  let lo = -1;
  let hi = -1;
  for (let c = first; c <= last; c++) {
    if (counts[c] === 0) continue;
    count += counts[c];
    if (lo < 0) lo = c;
    hi = c;
  }
  if (count === 0) return { count, hist, smooth: undefined };
  const bin = histogramBinner(depth[lo], depth[hi], bins);
  for (let c = lo; c <= hi; c++) if (counts[c] !== 0) hist[bin(depth[c])] += counts[c];

  // Gradient continuity: numpy-linear quantile of G over the m kept positions, from the counts of s.
  let nDense = 0;
  for (let s = 0; s < DENSE_SQUARES; s++) nDense += squares[s];
  const m = nDense + nLarge;
  if (m === 0) return { count, hist, smooth: undefined };
  const { prev, next, gamma } = linearQuantileRanks(m, 1 - edgeFraction);
  const sLower = squareAtRank(prev, squares, nDense, large, nLarge);
  const sUpper = next === prev ? sLower : squareAtRank(next, squares, nDense, large, nLarge);

  // The order statistics lie in the groups of positions with s = sLower and s = sUpper (no group lies between:
  // ranks prev and next are consecutive). Magnitudes of different s never interleave in float64 (the gap between
  // √s and √(s+1) is ~1/(2s) relative, far above rounding), but inside one group the float64 magnitudes of
  // D = code / scale differ by rounding, and the 90th percentile falls between two of them: which members of a
  // boundary group count as smooth is decided by those float64 values, as a float64 reference decides it. So the
  // boundary groups are gathered with their float64 magnitudes in a second pass and selected exactly.
  const boundary = kernel ? kernel.gather(first, span, scale, sLower, sUpper) : gatherInJs(data, width, height, first, span, depth, sLower, sUpper);
  const nBoundary = boundary.length;
  let below = 0; // positions with s < sLower: all smooth
  for (let s = 0; s < Math.min(sLower, DENSE_SQUARES); s++) below += squares[s];
  for (let i = 0; i < nLarge; i++) if (large[i] < sLower) below++;
  const [lower, upper] = orderStatisticPair(boundary, nBoundary, prev - below, next !== prev);
  const q = lerpOrderStatistics(lower, upper, gamma);

  // Smooth region: every s < sLower (`below` positions), and the boundary members ≤ q. Two exact passes over the
  // distinct values.
  const denseBelow = Math.min(sLower, DENSE_SQUARES);
  let k = below;
  let sum = 0;
  for (let s = 0; s < denseBelow; s++) {
    const cnt = squares[s];
    if (cnt !== 0) sum += (cnt * Math.sqrt(s)) / scale;
  }
  for (let i = 0; i < nLarge; i++) if (large[i] < sLower) sum += Math.sqrt(large[i]) / scale;
  for (let i = 0; i < nBoundary; i++) {
    if (boundary[i] <= q) {
      k++;
      sum += boundary[i];
    }
  }
  const mean = sum / k;
  let ss = 0;
  for (let s = 0; s < denseBelow; s++) {
    const cnt = squares[s];
    if (cnt === 0) continue;
    const g = Math.sqrt(s) / scale;
    ss += cnt * (g - mean) * (g - mean);
  }
  for (let i = 0; i < nLarge; i++) {
    if (large[i] < sLower) {
      const g = Math.sqrt(large[i]) / scale;
      ss += (g - mean) * (g - mean);
    }
  }
  for (let i = 0; i < nBoundary; i++) if (boundary[i] <= q) ss += (boundary[i] - mean) * (boundary[i] - mean);
  return { count, hist, smooth: { mean, std: Math.sqrt(ss / k) } };
}

/**
 * JavaScript counting pass (hosts without WebAssembly), the same as the kernel's `count`: every code, and the
 * difference vectors or squares of the kept positions.
 * Deliberate hot-loop twin of `gatherInJs` (the same walk over right/below neighbours, as in the wasm kernel's two
 * passes): a shared walker with a callback per pixel would cost the scorer its maps per second.
 */
function countInJs(data: Uint16Array, width: number, height: number, first: number, span: number): CodeCounts {
  codeCounts ??= new Uint32Array(CODES);
  differenceCounts ??= new Uint32Array(GRID * GRID);
  const counts = codeCounts;
  const grid = differenceCounts;
  counts.fill(0);
  grid.fill(0);
  const n = width * height;
  if (largeSquares.length < n) largeSquares = new Float64Array(n);
  const large = largeSquares;
  let nLarge = 0;
  for (let y = 0; y < height - 1; y++) {
    const end = y * width + width - 1;
    let right = data[y * width];
    for (let i = y * width; i < end; i++) {
      const c = right;
      right = data[i + 1];
      counts[c]++;
      if ((c - first) >>> 0 > span || (right - first) >>> 0 > span) continue;
      const below = data[i + width];
      if ((below - first) >>> 0 > span) continue;
      const dx = right - c + HALF;
      const dy = below - c + HALF;
      if ((dx | dy) >>> 0 < GRID) grid[(dy << GRID_BITS) | dx]++;
      else large[nLarge++] = (dx - HALF) * (dx - HALF) + (dy - HALF) * (dy - HALF); // ≥ HALF², exact in float64
    }
    counts[right]++;
  }
  for (let i = (height - 1) * width; i < n; i++) counts[data[i]]++;
  return { counts, grid, large, nLarge };
}

/**
 * JavaScript tie-group pass, the same as the kernel's `gather`: the float64 magnitudes
 * √((D[i,j+1] − D[i,j])² + (D[i+1,j] − D[i,j])²), D = depth[code], of the kept positions whose square is sA or sB.
 * Deliberate hot-loop twin of `countInJs` (same neighbour walk; no per-pixel callback, for speed).
 */
function gatherInJs(data: Uint16Array, width: number, height: number, first: number, span: number, depth: Float64Array, sA: number, sB: number): Float64Array {
  if (boundary.length < width * height) boundary = new Float64Array(width * height);
  const out = boundary;
  let n = 0;
  for (let y = 0; y < height - 1; y++) {
    const end = y * width + width - 1;
    let right = data[y * width];
    for (let i = y * width; i < end; i++) {
      const c = right;
      right = data[i + 1];
      if ((c - first) >>> 0 > span || (right - first) >>> 0 > span) continue;
      const below = data[i + width];
      if ((below - first) >>> 0 > span) continue;
      const dx = right - c;
      const dy = below - c;
      const s = dx * dx + dy * dy;
      if (s === sA || s === sB) {
        const fx = depth[right] - depth[c];
        const fy = depth[below] - depth[c];
        out[n++] = Math.sqrt(fx * fx + fy * fy);
      }
    }
  }
  return out.subarray(0, n);
}

/** The square at rank r (0-based) of all kept positions: dense counts first (all < HALF²), then the listed ones (≥ 2¹⁶). */
function squareAtRank(r: number, squares: Uint32Array, nDense: number, large: Float64Array, nLarge: number): number {
  if (r < nDense) {
    let seen = 0;
    for (let s = 0; ; s++) {
      seen += squares[s];
      if (seen > r) return s;
    }
  }
  return select(large, r - nDense, 0, nLarge - 1);
}
