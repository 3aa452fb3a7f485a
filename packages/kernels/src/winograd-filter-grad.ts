import { type BandGeometry, bandFields, bandRows, forEachBand } from './winograd-bands.js';
import { DATA, JOB, JOB_FILTER_GRAD, JOB_FILTER_GRAD_FINISH, type WinogradPool } from './winograd-pool.js';

/** The filter gradient of one stride-1 3×3 NHWC convolution (the inputs of `Conv2DBackpropFilter`). */
export interface WinogradFilterGradArgs extends BandGeometry {
  /** Output gradient [n, outH, outW, cout]. */
  dy: Float32Array;
  padLeft: number;
}

/**
 * Tiles per block of the gradient: a block's transforms (36 · TB · (cin + cout) floats, 4.7 MB at 256 channels)
 * stay in L2 / L3, and each thread's accumulator (36 · cin · cout floats) is read and written once per block.
 */
export const GRAD_TILES_PER_BLOCK = 64;

/** Rounds up to 16 bytes (in float arithmetic: the sizes checked against the memory may pass 2³¹). */
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Where `winogradFilterGrad` puts its buffers in the pool memory (byte offsets; `end` is the memory it needs). */
function layout(pool: WinogradPool, a: WinogradFilterGradArgs) {
  const { w, cin, cout, outW } = a;
  const band = bandRows(a);
  const zero = DATA;
  const xb = align16(zero + Math.max(cin, cout) * 4);
  const db = align16(xb + (band + 2) * w * cin * 4);
  const out = align16(db + band * outW * cout * 4);
  const scratch = align16(out + 9 * cin * cout * 4);
  // A thread's scratch (see winograd.wat): its accumulator [36][cin][cout], V, Z, a temporary and an address table.
  const scratchBytes = align16(144 * cin * cout + 144 * GRAD_TILES_PER_BLOCK * (cin + cout) + 720);
  return { band, zero, xb, db, out, scratch, scratchBytes, end: scratch + pool.threads * scratchBytes };
}

/** Whether the pool can hold the gradient of these channel counts and this row width. */
export function winogradFilterGradFits(pool: WinogradPool, a: Pick<WinogradFilterGradArgs, 'w' | 'cin' | 'cout' | 'outW' | 'outH'>): boolean {
  return layout(pool, a as WinogradFilterGradArgs).end <= pool.maxBytes;
}

/**
 * dW = ∂L/∂W [3, 3, cin, cout] of y = conv(x, W) (stride 1, 3×3) from x and dy, by the adjoint of the
 * Winograd F(4×4, 3×3) convolution: per 4×4 output tile, V = Bᵀ d B (the input transform) and Z = A dY Aᵀ;
 * per position p, dU[p] = Σ_tiles V[p]ᵀ Z[p] (36 GEMMs [cin, tiles] × [tiles, cout], 2.25 multiply-adds per
 * output pixel and channel pair instead of direct convolution's 9); dW = Gᵀ dU G. Runs on the pool in bands of
 * output rows like `winogradConv`; each thread sums into its own accumulator and a last job adds them up and
 * transforms them. Requires cin % 4 = 0 and cout % 8 = 0.
 */
export function winogradFilterGrad(pool: WinogradPool, a: WinogradFilterGradArgs): Float32Array {
  const { n, h, w, cin, cout, outH, outW } = a;
  if (cin % 4 !== 0 || cout % 8 !== 0) throw new Error(`winogradFilterGrad: needs Cin % 4 = 0 and Cout % 8 = 0, got ${cin} → ${cout}`);
  if (a.x.length !== n * h * w * cin) throw new Error(`winogradFilterGrad: x has ${a.x.length} values, expected [${n}, ${h}, ${w}, ${cin}]`);
  if (a.dy.length !== n * outH * outW * cout) throw new Error(`winogradFilterGrad: dy has ${a.dy.length} values, expected [${n}, ${outH}, ${outW}, ${cout}]`);
  const { band, zero, xb, db, out, scratch, scratchBytes, end } = layout(pool, a);
  pool.reserve(end);
  const mem = new Float32Array(pool.memory.buffer);
  mem.fill(0, zero / 4, xb / 4);
  for (let t = 0; t < pool.threads; t++) mem.fill(0, (scratch + t * scratchBytes) / 4, (scratch + t * scratchBytes) / 4 + 36 * cin * cout);
  const job = new Int32Array(pool.memory.buffer, JOB, 32);
  const tb = GRAD_TILES_PER_BLOCK;
  forEachBand(a, band, mem, xb / 4, (b) => {
    const { img, oy0, rows, ntiles } = b;
    mem.set(a.dy.subarray((img * outH + oy0) * outW * cout, (img * outH + oy0 + rows) * outW * cout), db / 4);
    job.set([xb, db, 0, 0, ...bandFields(a, b, a.padLeft), 0, zero, 0, tb, 0, Math.ceil(ntiles / tb), JOB_FILTER_GRAD]);
    pool.run(scratch, scratchBytes);
  });
  job.set([0, cin, JOB_FILTER_GRAD_FINISH, out, pool.threads, scratchBytes, scratch], 19);
  pool.run(scratch, scratchBytes);
  return new Float32Array(pool.memory.buffer, out, 9 * cin * cout).slice();
}
