/**
 * Typed-array implementation of PyTorch's `F.grid_sample` (2-D) in NHWC layout, forward and
 * backward, following ATen's `grid_sampler_2d` CPU semantics (aten/src/ATen/native/GridSampler.h and
 * GridSamplerKernel.cpp). Used by the 'cpu' and 'wasm' kernels; the composition and WGSL
 * implementations are tested against it.
 */

export type GridSampleMode = 'bilinear' | 'nearest';
export type GridSamplePadding = 'zeros' | 'border' | 'reflection';

export interface GridSampleAttrs {
  mode: GridSampleMode;
  paddingMode: GridSamplePadding;
  alignCorners: boolean;
  /**
   * Channel groups G (default 1): the grid is [B·G, Ho, Wo, 2] and channel group g (channels
   * g·C/G … (g+1)·C/G − 1) of image b is sampled at grid b·G + g, i.e. grid_sample on the input
   * reshaped to [B·G, C/G, H, W] in PyTorch terms (what DySample does), without transposes.
   */
  groups?: number;
}

/** The grid-sample attributes of a kernel call (cpu, wasm and WebGPU kernels). */
export function readGridSampleAttrs(attrs: Record<string, unknown>): GridSampleAttrs {
  return {
    mode: attrs.mode as GridSampleAttrs['mode'],
    paddingMode: attrs.paddingMode as GridSampleAttrs['paddingMode'],
    alignCorners: attrs.alignCorners as boolean,
    groups: (attrs.groups as number | undefined) ?? 1,
  };
}

export type Shape4 = readonly [number, number, number, number];
type FloatArray = Float32Array | Float64Array;

const f32 = Math.fround;

/**
 * Maps a normalised coordinate in [-1, 1] to a pixel index (before padding), in float32 arithmetic
 * with the operation order of ATen's vectorised CPU kernel: `(c + 1)·(size − 1)/2` with
 * alignCorners, else `(c + 1)·size/2 − 0.5`. (Rounding matters for 'nearest' near .5 ties.)
 */
export function unnormalize(coord: number, size: number, alignCorners: boolean, float32 = true): number {
  if (!float32) return alignCorners ? (coord + 1) * ((size - 1) / 2) : (coord + 1) * (size / 2) - 0.5;
  const c1 = f32(coord + 1);
  return alignCorners ? f32(c1 * f32((size - 1) / 2)) : f32(f32(c1 * f32(size / 2)) - 0.5);
}

/**
 * ATen's reflect_coordinates: reflects `v` into [twiceLow/2, twiceHigh/2]. Non-finite input stays
 * non-finite (fmod(Inf) is NaN), which the following clip maps to 0, as in ATen.
 * Returns the reflected value and d(result)/d(v) (±1).
 */
function reflect(v: number, twiceLow: number, twiceHigh: number): [number, number] {
  if (twiceLow === twiceHigh) return [0, 0];
  const min = twiceLow / 2;
  const span = (twiceHigh - twiceLow) / 2;
  let d = v - min;
  let sign = 1;
  if (d < 0) {
    sign = -1;
    d = -d;
  }
  const extra = d % span; // fmod
  const flips = Math.floor(d / span);
  return flips % 2 === 0 ? [extra + min, sign] : [span - extra + min, -sign];
}

/**
 * ATen's clip_coordinates with the vectorised kernel's NaN rule (`clamp_max(clamp_min(0, v))`
 * turns NaN into 0). The gradient is 0 at and beyond the borders, as in clip_coordinates_set_grad.
 */
function clip(v: number, size: number): [number, number] {
  if (!(v > 0)) return [0, 0]; // v <= 0 or NaN
  const max = size - 1;
  if (v >= max) return [max, 0];
  return [v, 1];
}

/**
 * The pixel index a grid coordinate samples, after padding, and d(index)/d(coord). With 'zeros'
 * padding a non-finite coordinate yields NaN (ATen's safe_downgrade_to_int_range sends it to -100:
 * no contribution); with 'border'/'reflection' NaN clips to 0.
 */
export function sourceIndex(coord: number, size: number, attrs: GridSampleAttrs, float32 = true): [number, number] {
  let v = unnormalize(coord, size, attrs.alignCorners, float32);
  let g = attrs.alignCorners ? (size - 1) / 2 : size / 2;
  if (attrs.paddingMode === 'border') {
    const [c, gc] = clip(v, size);
    v = c;
    g *= gc;
  } else if (attrs.paddingMode === 'reflection') {
    const [r, gr] = attrs.alignCorners ? reflect(v, 0, 2 * (size - 1)) : reflect(v, -1, 2 * size - 1);
    const [c, gc] = clip(r, size);
    v = c;
    g *= gr * gc;
  } else if (!Number.isFinite(v)) {
    return [Number.NaN, 0];
  }
  return [v, g];
}

/** Round half to even, like std::nearbyint in the default rounding mode. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Validates shapes and returns the group count G. */
export function checkGridSampleShapes(xShape: readonly number[], gridShape: readonly number[], groups = 1): number {
  if (xShape.length !== 4) throw new Error(`gridSample: input must be [B, H, W, C], got [${xShape}]`);
  if (gridShape.length !== 4 || gridShape[3] !== 2) throw new Error(`gridSample: grid must be [B, Ho, Wo, 2], got [${gridShape}]`);
  if (!Number.isInteger(groups) || groups < 1 || xShape[3] % groups !== 0) {
    throw new Error(`gridSample: groups (${groups}) must be a positive integer dividing the channel count ${xShape[3]}`);
  }
  if (xShape[0] * groups !== gridShape[0]) {
    const expected = groups === 1 ? `${xShape[0]}` : `${xShape[0]}·${groups} = ${xShape[0] * groups}`;
    throw new Error(`gridSample: grid batch ${gridShape[0]} must equal input batch ${expected} (input [${xShape}], grid [${gridShape}])`);
  }
  if (xShape[1] < 1 || xShape[2] < 1) throw new Error(`gridSample: input must have non-empty H and W, got [${xShape}]`);
  return groups;
}

/**
 * Forward: x [B, H, W, C], grid [B·G, Ho, Wo, 2] → out [B, Ho, Wo, C] (written into `out`, which must be zeroed).
 * Deliberate hot-loop twin of `gridSampleBackward`: the same walk over points and bilinear corners, here gathering
 * into `out`, there scattering into dx and dgrid. A shared walker would call back per point and channel, which
 * costs the SDT head's upsampling its speed on cpu/wasm; keep the two walks in step by hand.
 */
export function gridSampleForward(
  x: FloatArray,
  xShape: Shape4,
  grid: FloatArray,
  gridShape: Shape4,
  attrs: GridSampleAttrs,
  out: FloatArray,
  /** Unnormalise coordinates in float32 like PyTorch (default); false keeps float64 (for finite differences). */
  float32 = true,
): void {
  const G = checkGridSampleShapes(xShape, gridShape, attrs.groups);
  const [B, H, W, C] = xShape;
  const Cg = C / G;
  const P = gridShape[1] * gridShape[2];
  const bilinear = attrs.mode === 'bilinear';
  for (let bg = 0; bg < B * G; bg++) {
    const b = Math.floor(bg / G);
    const cOff = (bg - b * G) * Cg; // first channel of this group
    const xBase = b * H * W * C + cOff;
    for (let p = 0; p < P; p++) {
      const gi = (bg * P + p) * 2;
      const ix = sourceIndex(grid[gi], W, attrs, float32)[0];
      const iy = sourceIndex(grid[gi + 1], H, attrs, float32)[0];
      const o = (b * P + p) * C + cOff;
      if (Number.isNaN(ix) || Number.isNaN(iy)) continue;
      if (!bilinear) {
        const xn = roundHalfEven(ix);
        const yn = roundHalfEven(iy);
        if (xn < 0 || xn >= W || yn < 0 || yn >= H) continue;
        const s = xBase + (yn * W + xn) * C;
        for (let c = 0; c < Cg; c++) out[o + c] = x[s + c];
        continue;
      }
      const x0 = Math.floor(ix);
      const y0 = Math.floor(iy);
      const tx = ix - x0;
      const ty = iy - y0;
      const vx0 = x0 >= 0 && x0 < W;
      const vx1 = x0 + 1 >= 0 && x0 + 1 < W;
      const vy0 = y0 >= 0 && y0 < H;
      const vy1 = y0 + 1 >= 0 && y0 + 1 < H;
      const vnw = vx0 && vy0;
      const vne = vx1 && vy0;
      const vsw = vx0 && vy1;
      const vse = vx1 && vy1;
      const wnw = (1 - tx) * (1 - ty);
      const wne = tx * (1 - ty);
      const wsw = (1 - tx) * ty;
      const wse = tx * ty;
      // Clamp the corner indices so every read is in range; a clamped corner has weight 0.
      const cx0 = Math.min(Math.max(x0, 0), W - 1);
      const cx1 = Math.min(Math.max(x0 + 1, 0), W - 1);
      const cy0 = Math.min(Math.max(y0, 0), H - 1);
      const cy1 = Math.min(Math.max(y0 + 1, 0), H - 1);
      const snw = xBase + (cy0 * W + cx0) * C;
      const sne = xBase + (cy0 * W + cx1) * C;
      const ssw = xBase + (cy1 * W + cx0) * C;
      const sse = xBase + (cy1 * W + cx1) * C;
      if (vnw && vne && vsw && vse) {
        // Interior fast path (most points): no per-channel branches.
        for (let c = 0; c < Cg; c++) out[o + c] = wnw * x[snw + c] + wne * x[sne + c] + wsw * x[ssw + c] + wse * x[sse + c];
        continue;
      }
      for (let c = 0; c < Cg; c++) {
        // Out-of-range corners are skipped (not multiplied by 0), so Inf/NaN there cannot leak.
        let acc = 0;
        if (vnw) acc += wnw * x[snw + c];
        if (vne) acc += wne * x[sne + c];
        if (vsw) acc += wsw * x[ssw + c];
        if (vse) acc += wse * x[sse + c];
        out[o + c] = acc;
      }
    }
  }
}

/**
 * Backward: given dy [B, Ho, Wo, C], accumulates dx [B, H, W, C] and dgrid [B·G, Ho, Wo, 2] (both
 * must be zeroed). dgrid is 0 for 'nearest', as in PyTorch. Deliberate hot-loop twin of `gridSampleForward`
 * (the same point/corner walk, scattering instead of gathering; no per-element callback, for speed).
 */
export function gridSampleBackward(
  dy: FloatArray,
  x: FloatArray,
  xShape: Shape4,
  grid: FloatArray,
  gridShape: Shape4,
  attrs: GridSampleAttrs,
  dx: FloatArray,
  dgrid: FloatArray,
): void {
  const G = checkGridSampleShapes(xShape, gridShape, attrs.groups);
  const [B, H, W, C] = xShape;
  const Cg = C / G;
  const P = gridShape[1] * gridShape[2];
  const bilinear = attrs.mode === 'bilinear';
  for (let bg = 0; bg < B * G; bg++) {
    const b = Math.floor(bg / G);
    const cOff = (bg - b * G) * Cg;
    const xBase = b * H * W * C + cOff;
    for (let p = 0; p < P; p++) {
      const gi = (bg * P + p) * 2;
      const [ix, gmx] = sourceIndex(grid[gi], W, attrs);
      const [iy, gmy] = sourceIndex(grid[gi + 1], H, attrs);
      const o = (b * P + p) * C + cOff;
      if (Number.isNaN(ix) || Number.isNaN(iy)) continue;
      if (!bilinear) {
        const xn = roundHalfEven(ix);
        const yn = roundHalfEven(iy);
        if (xn < 0 || xn >= W || yn < 0 || yn >= H) continue;
        const s = xBase + (yn * W + xn) * C;
        for (let c = 0; c < Cg; c++) dx[s + c] += dy[o + c];
        continue;
      }
      const x0 = Math.floor(ix);
      const y0 = Math.floor(iy);
      const tx = ix - x0;
      const ty = iy - y0;
      const vx0 = x0 >= 0 && x0 < W;
      const vx1 = x0 + 1 >= 0 && x0 + 1 < W;
      const vy0 = y0 >= 0 && y0 < H;
      const vy1 = y0 + 1 >= 0 && y0 + 1 < H;
      if (vx0 && vx1 && vy0 && vy1) {
        // Interior fast path: all four corners in one pass over the channels.
        const snw = xBase + (y0 * W + x0) * C;
        const sne = snw + C;
        const ssw = snw + W * C;
        const sse = ssw + C;
        const wnw = (1 - tx) * (1 - ty);
        const wne = tx * (1 - ty);
        const wsw = (1 - tx) * ty;
        const wse = tx * ty;
        let anw = 0;
        let ane = 0;
        let asw = 0;
        let ase = 0;
        for (let c = 0; c < Cg; c++) {
          const g = dy[o + c];
          dx[snw + c] += wnw * g;
          dx[sne + c] += wne * g;
          dx[ssw + c] += wsw * g;
          dx[sse + c] += wse * g;
          anw += x[snw + c] * g;
          ane += x[sne + c] * g;
          asw += x[ssw + c] * g;
          ase += x[sse + c] * g;
        }
        dgrid[gi] = ((1 - ty) * (ane - anw) + ty * (ase - asw)) * gmx;
        dgrid[gi + 1] = ((1 - tx) * (asw - anw) + tx * (ase - ane)) * gmy;
        continue;
      }
      let gx = 0;
      let gy = 0;
      // Corner (cy, cx) with weight w and dw/dix, dw/diy; invalid corners contribute nothing.
      for (let k = 0; k < 4; k++) {
        const ox = k & 1;
        const oy = k >> 1;
        if (!(ox ? vx1 : vx0) || !(oy ? vy1 : vy0)) continue;
        const wx = ox ? tx : 1 - tx;
        const wy = oy ? ty : 1 - ty;
        const w = wx * wy;
        const s = xBase + ((y0 + oy) * W + x0 + ox) * C;
        let acc = 0;
        for (let c = 0; c < Cg; c++) {
          const g = dy[o + c];
          dx[s + c] += w * g;
          acc += x[s + c] * g;
        }
        gx += (ox ? 1 : -1) * wy * acc;
        gy += (oy ? 1 : -1) * wx * acc;
      }
      dgrid[gi] = gx * gmx;
      dgrid[gi + 1] = gy * gmy;
    }
  }
}
