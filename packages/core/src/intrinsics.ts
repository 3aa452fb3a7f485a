/**
 * Pinhole intrinsics in pixels, the one convention of this project (OpenCV's): pixel (u, v) is the centre of column u
 * and row v, so a point at camera coordinates (x, y, z) lands at u = fx·x/z + cx, v = fy·y/z + cy, and an image whose
 * principal point is its centre has cx = (width − 1)/2, cy = (height − 1)/2. Used by the PLY writer of `@anydepth/model`
 * and (the same shape, see there) the ray caster of `@anydepth/procedural`.
 */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

/** Intrinsics from a horizontal field of view in degrees (fy = fx, square pixels), principal point at the centre. */
export function intrinsicsFromFov(width: number, height: number, fovDegrees: number): Intrinsics {
  if (!(fovDegrees > 0 && fovDegrees < 180)) throw new Error(`field of view must be in (0, 180) degrees, got ${fovDegrees}`);
  const f = width / 2 / Math.tan((fovDegrees * Math.PI) / 360);
  return { fx: f, fy: f, cx: (width - 1) / 2, cy: (height - 1) / 2 };
}
