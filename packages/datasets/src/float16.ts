let table: Float32Array | undefined;

/** Lookup table of all 65536 IEEE half-precision values as float32 (built once, 256 KiB). */
export function halfTable(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = halfToFloat(h);
  table = t;
  return t;
}

/**
 * Converts one IEEE 754 binary16 bit pattern to a number (subnormals, Inf and NaN included). Twin of core's
 * `halfToFloat`, on purpose: a package boundary (datasets needs no tfjs and does not depend on @anydepth/core).
 */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Converts an array of half bit patterns to float32. */
export function halfArrayToFloat32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  const t = halfTable();
  for (let i = 0; i < src.length; i++) out[i] = t[src[i]];
  return out;
}
