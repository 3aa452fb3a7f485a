/**
 * The Winograd F(4×4, 3×3) filter transform U = G g Gᵀ (Lavin & Gray 2016, interpolation points 0, ±1, ±2, ∞):
 * a tfjs conv filter [3, 3, Cin, Cout] becomes one [Cin, Cout] matrix per position p = 6·a + b of the 6×6
 * transformed tile, stored in 8-column panels as the GEMM micro-kernel reads them: [36, Cout / 8, Cin, 8].
 * Computed in float64 and rounded once. Cout must be a multiple of 8.
 */
const G: readonly (readonly number[])[] = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

export function winogradFilter(w: Float32Array, cin: number, cout: number): Float32Array {
  const plane = cin * cout;
  if (cout % 8 !== 0) throw new Error(`winogradFilter: Cout must be a multiple of 8, got ${cout}`);
  if (w.length !== 9 * plane) throw new Error(`winogradFilter: expected a [3, 3, ${cin}, ${cout}] filter (${9 * plane} values), got ${w.length}`);
  const u = new Float32Array(36 * plane);
  const g = new Float64Array(9);
  const gg = new Float64Array(18); // G g: [6, 3]
  for (let q = 0; q < plane; q++) {
    for (let t = 0; t < 9; t++) g[t] = w[t * plane + q];
    const ci = Math.floor(q / cout);
    const co = q - ci * cout;
    const dst = (co >> 3) * cin * 8 + ci * 8 + (co & 7); // panel, row, column within the panel
    for (let a = 0; a < 6; a++) {
      const r = G[a];
      for (let kx = 0; kx < 3; kx++) gg[a * 3 + kx] = r[0] * g[kx] + r[1] * g[3 + kx] + r[2] * g[6 + kx];
    }
    for (let a = 0; a < 6; a++) {
      const r0 = gg[a * 3];
      const r1 = gg[a * 3 + 1];
      const r2 = gg[a * 3 + 2];
      for (let b = 0; b < 6; b++) {
        const c = G[b];
        u[(a * 6 + b) * plane + dst] = r0 * c[0] + r1 * c[1] + r2 * c[2];
      }
    }
  }
  return u;
}
