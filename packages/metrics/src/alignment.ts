/** Result of a least-squares fit y ≈ scale·x + shift. */
export interface AffineFit {
  scale: number;
  shift: number;
  /** Number of samples the fit used. */
  count: number;
  /** True when the normal equations were singular (no samples, or x constant): see `fitScaleShift`. */
  degenerate: boolean;
}

/**
 * Least squares (scale, shift) = argmin Σ (scale·x + shift − y)² over the entries where `use` is
 * non-zero, in float64 (centred normal equations: the same solution as `np.linalg.lstsq([x, 1], y)`).
 * Singular cases follow lstsq's minimum-norm solution: no samples → (0, 0); x constant = c →
 * (c·ȳ, ȳ)/(c² + 1).
 */
export function fitScaleShift(x: ArrayLike<number>, y: ArrayLike<number>, use: ArrayLike<number>): AffineFit {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!use[i]) continue;
    n++;
    sx += x[i];
    sy += y[i];
  }
  if (n === 0) return { scale: 0, shift: 0, count: 0, degenerate: true };
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!use[i]) continue;
    const dx = x[i] - mx;
    sxx += dx * dx;
    sxy += dx * (y[i] - my);
  }
  if (sxx === 0) {
    // Rank-1 system [c, 1]: the minimum-norm least-squares solution is (c, 1)·ȳ/(c² + 1).
    return { scale: (mx * my) / (mx * mx + 1), shift: my / (mx * mx + 1), count: n, degenerate: true };
  }
  const scale = sxy / sxx;
  return { scale, shift: my - scale * mx, count: n, degenerate: false };
}

/**
 * PyTorch `nn.Upsample(scale_factor=f, mode='nearest')` index map for f < 1: output size ⌊in·f⌋,
 * source index min(⌊dst / f⌋, in − 1). Used to fit the alignment on a downsampled copy (Marigold's
 * `max_resolution`, ETH3D 1024).
 */
export function nearestIndices(inSize: number, factor: number): Int32Array {
  const outSize = Math.floor(inSize * factor);
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor(i / factor), inSize - 1);
  return idx;
}
