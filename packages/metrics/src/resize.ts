/**
 * Bilinear resize with half-pixel centres (PyTorch `F.interpolate(mode='bilinear',
 * align_corners=False)` without antialiasing; TF `half_pixel_centers=True`): source coordinate
 * (dst + 0.5)·in/out − 0.5, clamped at 0, neighbours clamped at the last row/column.
 * Row-major single-channel maps; float64 out.
 */
export function resizeBilinear(src: ArrayLike<number>, srcHeight: number, srcWidth: number, dstHeight: number, dstWidth: number): Float64Array {
  if (src.length !== srcHeight * srcWidth) throw new Error(`resizeBilinear: source has ${src.length} values, expected ${srcHeight}×${srcWidth}`);
  const out = new Float64Array(dstHeight * dstWidth);
  const scaleY = srcHeight / dstHeight;
  const scaleX = srcWidth / dstWidth;
  const x0s = new Int32Array(dstWidth);
  const x1s = new Int32Array(dstWidth);
  const wxs = new Float64Array(dstWidth);
  for (let x = 0; x < dstWidth; x++) {
    const sx = Math.max((x + 0.5) * scaleX - 0.5, 0);
    const x0 = Math.min(Math.floor(sx), srcWidth - 1);
    x0s[x] = x0;
    x1s[x] = Math.min(x0 + 1, srcWidth - 1);
    wxs[x] = sx - x0;
  }
  for (let y = 0; y < dstHeight; y++) {
    const sy = Math.max((y + 0.5) * scaleY - 0.5, 0);
    const y0 = Math.min(Math.floor(sy), srcHeight - 1);
    const y1 = Math.min(y0 + 1, srcHeight - 1);
    const wy = sy - y0;
    const r0 = y0 * srcWidth;
    const r1 = y1 * srcWidth;
    for (let x = 0; x < dstWidth; x++) {
      const wx = wxs[x];
      const top = src[r0 + x0s[x]] * (1 - wx) + src[r0 + x1s[x]] * wx;
      const bottom = src[r1 + x0s[x]] * (1 - wx) + src[r1 + x1s[x]] * wx;
      out[y * dstWidth + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/** Copies the rows [top, bottom) and columns [left, right) of a row-major map into a new Float64Array. */
export function cropMap(src: ArrayLike<number>, width: number, rect: { top: number; bottom: number; left: number; right: number }): Float64Array {
  const h = rect.bottom - rect.top;
  const w = rect.right - rect.left;
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    const row = (rect.top + y) * width + rect.left;
    for (let x = 0; x < w; x++) out[y * w + x] = src[row + x];
  }
  return out;
}
