import type { WinogradConvArgs } from './winograd-conv.js';

/** Bᵀ of F(4×4, 3×3) applied to d[o], d[o + s], …, d[o + 5s], written to r[ro + k·rs]. */
function bt(d: Float64Array, o: number, s: number, r: Float64Array, ro: number, rs: number): void {
  const d0 = d[o];
  const d1 = d[o + s];
  const d2 = d[o + 2 * s];
  const d3 = d[o + 3 * s];
  const d4 = d[o + 4 * s];
  const d5 = d[o + 5 * s];
  r[ro] = 4 * d0 - 5 * d2 + d4;
  r[ro + rs] = d4 - 4 * d2 - (4 * d1 - d3);
  r[ro + 2 * rs] = d4 - 4 * d2 + (4 * d1 - d3);
  r[ro + 3 * rs] = d4 - d2 - 2 * (d1 - d3);
  r[ro + 4 * rs] = d4 - d2 + 2 * (d1 - d3);
  r[ro + 5 * rs] = 4 * d1 - 5 * d3 + d5;
}

/** Aᵀ of F(4×4, 3×3) applied to m[o], …, m[o + 5s], written to r[ro + k·rs] (k < 4). */
function at(m: Float64Array, o: number, s: number, r: Float64Array, ro: number, rs: number): void {
  const m1 = m[o + s];
  const m2 = m[o + 2 * s];
  const m3 = m[o + 3 * s];
  const m4 = m[o + 4 * s];
  r[ro] = m[o] + m1 + m2 + m3 + m4;
  r[ro + rs] = m1 - m2 + 2 * (m3 - m4);
  r[ro + 2 * rs] = m1 + m2 + 4 * (m3 + m4);
  r[ro + 3 * rs] = m1 - m2 + 8 * (m3 - m4) + m[o + 5 * s];
}

/**
 * The same Winograd F(4×4, 3×3) convolution as the WebAssembly module (same transformed-filter layout, same
 * arguments) in plain JavaScript, one tile at a time: the portable reference of the algorithm, for engines
 * without WebAssembly SIMD or shared memory (where `registerInferenceKernels` keeps the stock kernels, which are
 * faster than this loop).
 */
export function winogradConvJs(a: WinogradConvArgs): void {
  const { n, h, w, cin, cout, outH, outW, u, x, out } = a;
  const plane = cin * cout;
  const d = new Float64Array(36);
  const t = new Float64Array(36);
  const v = new Float64Array(36 * cin); // [36][cin]
  const m = new Float64Array(36 * cout); // [36][cout]
  const y = new Float64Array(16);
  for (let img = 0; img < n; img++) {
    for (let ty = 0; ty < outH; ty += 4) {
      for (let tx = 0; tx < outW; tx += 4) {
        for (let c = 0; c < cin; c++) {
          for (let i = 0; i < 6; i++) {
            const iy = ty + i - a.padTop;
            for (let j = 0; j < 6; j++) {
              const ix = tx + j - a.padLeft;
              d[i * 6 + j] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((img * h + iy) * w + ix) * cin + c] : 0;
            }
          }
          for (let i = 0; i < 6; i++) bt(d, i * 6, 1, t, i * 6, 1); // rows
          for (let k = 0; k < 6; k++) bt(t, k, 6, v, k * cin + c, 6 * cin); // columns: position l·6 + k
        }
        m.fill(0);
        for (let p = 0; p < 36; p++) {
          for (let ci = 0; ci < cin; ci++) {
            const vi = v[p * cin + ci];
            const base = p * plane + ci * 8;
            for (let co = 0; co < cout; co++) m[p * cout + co] += vi * u[base + (co >> 3) * cin * 8 + (co & 7)];
          }
        }
        for (let co = 0; co < cout; co++) {
          for (let l = 0; l < 6; l++) at(m, l * 6 * cout + co, cout, t, l * 4, 1); // rows → t[l][b]
          for (let b = 0; b < 4; b++) at(t, b, 4, y, b, 4); // columns → y[a][b]
          const bias = a.bias ? a.bias[co] : 0;
          for (let p = 0; p < 16; p++) {
            const oy = ty + (p >> 2);
            const ox = tx + (p & 3);
            if (oy >= outH || ox >= outW) continue;
            const value = y[p] + bias;
            out[((img * outH + oy) * outW + ox) * cout + co] = a.relu && value < 0 ? 0 : value;
          }
        }
      }
    }
  }
}
