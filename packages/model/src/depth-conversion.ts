/** Affine map from predicted disparity to metric disparity: `metricDisparity = scale·pred + shift`. */
export interface DisparityAlignment {
  scale: number;
  shift: number;
}

/** Depth from affine-invariant disparity given the alignment; non-positive disparity becomes `Infinity`. */
export function depthFromDisparity(disparity: Float32Array, { scale, shift }: DisparityAlignment, minDisparity = 1e-6): Float32Array {
  const out = new Float32Array(disparity.length);
  for (let i = 0; i < disparity.length; i++) {
    const d = scale * disparity[i] + shift;
    out[i] = d > minDisparity ? 1 / d : Infinity;
  }
  return out;
}

export interface ReferencePoint {
  x: number;
  y: number;
  /** Known metric depth at that pixel. */
  depth: number;
}

/**
 * Fits scale and shift so that `1/depth ≈ scale·disparity + shift` at known points (least squares
 * in disparity space, as the evaluation protocol does). Needs at least two points with distinct disparity.
 */
export function alignToReferencePoints(disparity: Float32Array, width: number, points: ReferencePoint[]): DisparityAlignment {
  let a00 = 0,
    a01 = 0,
    a11 = 0,
    b0 = 0,
    b1 = 0;
  for (const p of points) {
    if (!(p.depth > 0) || !Number.isFinite(p.depth)) throw new Error(`reference point (${p.x}, ${p.y}) has invalid depth ${p.depth}`);
    const xi = Math.round(p.x);
    const yi = Math.round(p.y);
    const d = disparity[yi * width + xi];
    if (d === undefined || xi < 0 || xi >= width) throw new Error(`reference point (${p.x}, ${p.y}) is outside the image`);
    const g = 1 / p.depth;
    a00 += d * d;
    a01 += d;
    a11 += 1;
    b0 += d * g;
    b1 += g;
  }
  const det = a00 * a11 - a01 * a01;
  if (points.length < 2 || Math.abs(det) < 1e-12 * Math.max(1, a00 * a11)) {
    throw new Error('alignToReferencePoints: need at least two reference points with different predicted disparity');
  }
  return { scale: (a11 * b0 - a01 * b1) / det, shift: (-a01 * b0 + a00 * b1) / det };
}
