import { type BandGeometry, bandFields, bandRows, forEachBand } from './winograd-bands.js';
import { DATA, JOB, JOB_CONV, type WinogradPool } from './winograd-pool.js';

/** One stride-1 3×3 NHWC convolution, with the filter already transformed (`winogradFilter`). */
export interface WinogradConvArgs extends BandGeometry {
  /** Transformed filter [36, cin, cout]. */
  u: Float32Array;
  /** [cout] or null. */
  bias: Float32Array | null;
  padLeft: number;
  relu: boolean;
  /** Output [n, outH, outW, cout], written. */
  out: Float32Array;
}

/** Tiles per block: V and M of one block (36 · TB · (cin + cout) floats, 2.4 MB at 256 channels) fit in L2 / L3. */
export const TILES_PER_BLOCK = 32;

const align16 = (n: number) => (n + 15) & ~15;

/**
 * Runs the convolution on the pool in bands of output rows: each band's input rows (with the 2-row halo) are
 * copied into the module's memory, transformed, multiplied and transformed back there, and its output rows copied
 * out. Requires cin % 4 = 0 and cout % 8 = 0.
 */
export function winogradConv(pool: WinogradPool, a: WinogradConvArgs): void {
  const { n, h, w, cin, cout, outH, outW } = a;
  if (cin % 4 !== 0 || cout % 8 !== 0) throw new Error(`winogradConv: needs Cin % 4 = 0 and Cout % 8 = 0, got ${cin} → ${cout}`);
  if (a.x.length !== n * h * w * cin) throw new Error(`winogradConv: x has ${a.x.length} values, expected [${n}, ${h}, ${w}, ${cin}]`);
  if (a.u.length !== 36 * cin * cout) throw new Error(`winogradConv: the transformed filter has ${a.u.length} values, expected [36, ${cin}, ${cout}]`);
  if (a.out.length !== n * outH * outW * cout) throw new Error(`winogradConv: out has ${a.out.length} values, expected [${n}, ${outH}, ${outW}, ${cout}]`);
  const band = bandRows(a);
  const tb = TILES_PER_BLOCK;
  const zero = DATA;
  const sink = align16(zero + cin * 4);
  const bias = align16(sink + cout * 4);
  const u = align16(bias + cout * 4);
  const xb = align16(u + a.u.length * 4);
  const ob = align16(xb + (band + 2) * w * cin * 4);
  const scratch = align16(ob + band * outW * cout * 4);
  const scratchBytes = align16(pool.exports.scratch_bytes(tb, cin, cout));
  pool.reserve(scratch + pool.threads * scratchBytes);
  const mem = new Float32Array(pool.memory.buffer);
  mem.fill(0, zero / 4, sink / 4);
  if (a.bias) mem.set(a.bias, bias / 4);
  else mem.fill(0, bias / 4, bias / 4 + cout);
  mem.set(a.u, u / 4);
  const job = new Int32Array(pool.memory.buffer, JOB, 32);
  forEachBand(a, band, mem, xb / 4, (b) => {
    const { img, oy0, rows, ntiles } = b;
    job.set([xb, u, bias, ob, ...bandFields(a, b, a.padLeft), a.relu ? 1 : 0, zero, sink, tb, 0, Math.ceil(ntiles / tb), JOB_CONV]);
    pool.run(scratch, scratchBytes);
    a.out.set(mem.subarray(ob / 4, ob / 4 + rows * outW * cout), (img * outH + oy0) * outW * cout);
  });
}
