/** Input + output rows copied into the Winograd module's memory per band (its memory stays this small at any image size). */
export const BAND_BYTES = 16 * 1024 * 1024;

/** The geometry of a stride-1 3×3 convolution that the Winograd jobs walk in bands of output rows. */
export interface BandGeometry {
  /** Input [n, h, w, cin]. */
  x: Float32Array;
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  padTop: number;
  outH: number;
  outW: number;
  /** Input + output bytes per band (default BAND_BYTES; at least 4 output rows per band). */
  bandBytes?: number;
}

/** One band: output rows [oy0, oy0 + rows) of image `img`; its `hb` input rows start at input row `ys`. */
export interface Band {
  img: number;
  oy0: number;
  rows: number;
  hb: number;
  /** Top padding of the band (its input rows start `padTop` rows above its first output row's window). */
  padTop: number;
  tilesH: number;
  tilesW: number;
  /** Tiles of the band (tilesH · tilesW). */
  ntiles: number;
}

/** Output rows per band: a multiple of 4 (whole tiles), at least 4, at most the image. */
export function bandRows(g: BandGeometry): number {
  const rowBytes = Math.max(g.w, g.outW) * (g.cin + g.cout) * 4;
  return Math.min(Math.max(4, Math.floor((g.bandBytes ?? BAND_BYTES) / rowBytes / 4) * 4), (g.outH + 3) & ~3);
}

/**
 * Walks the bands of `band` output rows over every image: copies each band's input rows (its 2-row halo included,
 * clipped to the image) into `mem` at float offset `xb`, then calls `run`.
 */
export function forEachBand(g: BandGeometry, band: number, mem: Float32Array, xb: number, run: (b: Band) => void): void {
  const { n, h, w, cin, outH, outW } = g;
  const tilesW = Math.ceil(outW / 4);
  for (let img = 0; img < n; img++) {
    for (let oy0 = 0; oy0 < outH; oy0 += band) {
      const rows = Math.min(band, outH - oy0);
      const ys = Math.min(Math.max(oy0 - g.padTop, 0), h);
      const ye = Math.min(Math.max(oy0 + rows - g.padTop + 2, 0), h);
      const hb = Math.max(0, ye - ys);
      if (hb > 0) mem.set(g.x.subarray((img * h + ys) * w * cin, (img * h + ys + hb) * w * cin), xb);
      const tilesH = Math.ceil(rows / 4);
      run({ img, oy0, rows, hb, padTop: g.padTop - oy0 + ys, tilesH, tilesW, ntiles: tilesH * tilesW });
    }
  }
}

/**
 * The job-record fields 16 … 56 of a band (see winograd.wat): H (the band's input rows), W, cin, cout, padT, padL,
 * OH (the band's output rows), OW, tilesH, tilesW, ntiles.
 */
export function bandFields(g: BandGeometry, b: Band, padLeft: number): number[] {
  return [b.hb, g.w, g.cin, g.cout, b.padTop, padLeft, b.rows, g.outW, b.tilesH, b.tilesW, b.ntiles];
}
