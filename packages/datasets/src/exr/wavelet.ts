/**
 * OpenEXR PIZ wavelet: the 2-D Haar-like transform of ImfWav.cpp, inverse only.
 * 14-bit mode (max value < 2^14) uses plain integer averaging; 16-bit mode uses modular arithmetic.
 */

const NBITS = 16;
const A_OFFSET = 1 << (NBITS - 1);
const MOD_MASK = (1 << NBITS) - 1;

function toInt16(v: number): number {
  v &= 0xffff;
  return v > 0x7fff ? v - 0x10000 : v;
}

/** Inverse of the 14-bit pair transform: (l, h) → (a, b), values as 16-bit patterns. */
export function wdec14(l: number, h: number): [number, number] {
  const ls = toInt16(l);
  const hs = toInt16(h);
  const ai = ls + (hs & 1) + (hs >> 1);
  return [ai & 0xffff, (ai - hs) & 0xffff];
}

/** Forward 14-bit pair transform (used only to build test vectors): (a, b) → (l, h). */
export function wenc14(a: number, b: number): [number, number] {
  const as = toInt16(a);
  const bs = toInt16(b);
  const ms = (as + bs) >> 1;
  const ds = as - bs;
  return [ms & 0xffff, ds & 0xffff];
}

/** Inverse of the 16-bit modular pair transform. */
export function wdec16(l: number, h: number): [number, number] {
  const m = l & 0xffff;
  const d = h & 0xffff;
  const bb = (m - (d >> 1)) & MOD_MASK;
  const aa = (d + bb - A_OFFSET) & MOD_MASK;
  return [aa, bb];
}

/** Forward 16-bit modular pair transform (test vectors only). */
export function wenc16(a: number, b: number): [number, number] {
  const ao = (a + A_OFFSET) & MOD_MASK;
  let m = (ao + b) >> 1;
  const d = ao - b;
  if (d < 0) m = (m + A_OFFSET) & MOD_MASK;
  return [m, d & MOD_MASK];
}

/**
 * In-place inverse 2-D wavelet transform of an nx×ny block stored at `buf[base + y*oy + x*ox]`
 * (ImfWav.cpp wav2Decode). `mx` is the largest value (selects 14- or 16-bit arithmetic).
 */
export function wav2Decode(buf: Uint16Array, base: number, nx: number, ox: number, ny: number, oy: number, mx: number): void {
  const w14 = mx < 1 << 14;
  const dec = w14 ? wdec14 : wdec16;
  const n = nx > ny ? ny : nx;
  let p = 1;
  while (p <= n) p <<= 1;
  p >>= 1;
  let p2 = p;
  p >>= 1;
  while (p >= 1) {
    const oy1 = oy * p;
    const oy2 = oy * p2;
    const ox1 = ox * p;
    const ox2 = ox * p2;
    const ey = base + oy * (ny - p2);
    let py = base;
    for (; py <= ey; py += oy2) {
      let px = py;
      const ex = py + ox * (nx - p2);
      for (; px <= ex; px += ox2) {
        const p01 = px + ox1;
        const p10 = px + oy1;
        const p11 = p10 + ox1;
        const [i00, i10] = dec(buf[px], buf[p10]);
        const [i01, i11] = dec(buf[p01], buf[p11]);
        const [a0, b0] = dec(i00, i01);
        buf[px] = a0;
        buf[p01] = b0;
        const [a1, b1] = dec(i10, i11);
        buf[p10] = a1;
        buf[p11] = b1;
      }
      if (nx & p) {
        const p10 = px + oy1;
        const [a, b] = dec(buf[px], buf[p10]);
        buf[px] = a;
        buf[p10] = b;
      }
    }
    if (ny & p) {
      let px = py;
      const ex = py + ox * (nx - p2);
      for (; px <= ex; px += ox2) {
        const p01 = px + ox1;
        const [a, b] = dec(buf[px], buf[p01]);
        buf[px] = a;
        buf[p01] = b;
      }
    }
    p2 = p;
    p >>= 1;
  }
}
