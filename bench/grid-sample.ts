/**
 * gridSample vs tf.image.resizeBilinear producing the same output size, per backend, measured in
 * one run: [1, 96, 96, 256] → [1, 192, 192, 256], forward and forward+backward. The grid is a
 * DySample-like one (half-pixel 2× upsampling grid plus random offsets of up to ±0.5 px, border
 * padding, alignCorners false). Prints medians and the ratio gridSample / resizeBilinear.
 *
 *   npx tsx bench/grid-sample.ts [--reps 7] [--backends cpu,wasm]
 *
 * Needs `npx tsup` in packages/dysample first (the package resolves to its dist).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gridSample } from '@anydepth/dysample';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const reps = Number(arg('reps', '7'));
const backends = arg('backends', 'cpu,wasm').split(',');
const [B, H, W, C] = [1, 96, 96, 256];
const [Ho, Wo] = [2 * H, 2 * W];

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function time(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const t0 = performance.now();
  const out = fn();
  const outs = Array.isArray(out) ? out : [out];
  for (const o of outs) await o.data(); // wait for the result on async backends
  const dt = performance.now() - t0;
  tf.dispose(outs);
  return dt;
}

function makeGrid(): tf.Tensor4D {
  const v = new Float32Array(B * Ho * Wo * 2);
  let s = 12345;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  for (let y = 0; y < Ho; y++) {
    for (let x = 0; x < Wo; x++) {
      const i = (y * Wo + x) * 2;
      v[i] = (2 * (x + 0.5 + rnd() * 2)) / Wo - 1; // ±0.5 output px = ±0.25 input px... scaled below
      v[i + 1] = (2 * (y + 0.5 + rnd() * 2)) / Ho - 1;
    }
  }
  return tf.tensor4d(v, [B, Ho, Wo, 2]);
}

async function main(): Promise<void> {
  await import('@tensorflow/tfjs'); // registers the standard gradients (resizeBilinear's)
  await import('@tensorflow/tfjs-backend-cpu');
  await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('IS_TEST', true);
  console.log(`gridSample vs resizeBilinear: [${B},${H},${W},${C}] → [${B},${Ho},${Wo},${C}], ${reps} reps, medians (ms)`);
  const rows: string[] = [];
  for (const backend of backends) {
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
    await tf.ready();
    const x = tf.randomNormal([B, H, W, C], 0, 1, 'float32', 1) as tf.Tensor4D;
    const grid = makeGrid();
    const R = tf.randomNormal([B, Ho, Wo, C], 0, 1, 'float32', 2);
    const opts = { mode: 'bilinear', paddingMode: 'border', alignCorners: false } as const;
    const cases: Record<string, () => tf.Tensor | tf.Tensor[]> = {
      'gridSample fwd': () => gridSample(x, grid, opts),
      'resizeBilinear fwd': () => tf.image.resizeBilinear(x, [Ho, Wo], false, true),
      'gridSample fwd+bwd': () => tf.grads((a: tf.Tensor, g: tf.Tensor) => tf.sum(tf.mul(gridSample(a, g, opts), R)) as tf.Scalar)([x, grid]),
      'resizeBilinear fwd+bwd': () =>
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(a as tf.Tensor4D, [Ho, Wo], false, true), R)) as tf.Scalar)(x),
    };
    const times: Record<string, number[]> = {};
    for (const name of Object.keys(cases)) times[name] = [];
    for (const name of Object.keys(cases)) await time(cases[name]); // warm-up
    // Interleave the cases so machine load affects both sides alike.
    for (let r = 0; r < reps; r++) for (const name of Object.keys(cases)) times[name].push(await time(cases[name]));
    const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    for (const [k, v] of Object.entries(med)) console.log(`  ${backend.padEnd(5)} ${k.padEnd(24)} ${v.toFixed(1).padStart(8)} ms`);
    const fwd = med['gridSample fwd'] / med['resizeBilinear fwd'];
    const both = med['gridSample fwd+bwd'] / med['resizeBilinear fwd+bwd'];
    rows.push(`${backend}: forward ratio ${fwd.toFixed(2)}× (goal ≤ 3×), forward+backward ratio ${both.toFixed(2)}×`);
    tf.dispose([x, grid, R]);
  }
  console.log('\ngridSample / resizeBilinear (median):');
  for (const r of rows) console.log(`  ${r}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
