import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is packages/test-utils/src/index.ts). */
export const repoRoot = resolve(here, '../../..');

/**
 * The shared folder with fixtures, specs and data: `$ANYDEPTH_SHARED`, else `../shared` beside the
 * repository. Tests read research-only data from there; it is never copied into the repo.
 */
export function sharedDir(): string {
  const dir = process.env.ANYDEPTH_SHARED ?? resolve(repoRoot, '../shared');
  if (!existsSync(dir)) {
    throw new Error(`shared folder not found at ${dir}: clone the project with ../shared beside it or set ANYDEPTH_SHARED`);
  }
  return dir;
}

export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}

export function fixturePath(name: string): string {
  return sharedPath('fixtures', name);
}

export function readFixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

/** Imports a backend package and activates it. */
export async function setBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-cpu');
  tf.env().set('IS_TEST', true); // silences tfjs' "install tfjs-node" banner
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

/** Registers the standard tfjs gradients in Node (via the @tensorflow/tfjs umbrella, a dev dependency). */
export async function registerGradients(): Promise<void> {
  if (!tf.getGradient('Conv2D')) await import('@tensorflow/tfjs');
}

export interface CloseOptions {
  atol?: number;
  rtol?: number;
  /** Name used in the failure message. */
  label?: string;
}

export interface CloseReport {
  ok: boolean;
  maxAbs: number;
  maxRel: number;
  worstIndex: number;
  message: string;
}

/** Elementwise |a − b| ≤ atol + rtol·|b| (numpy's allclose), with NaN matching NaN. */
export function compareClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 0, label = 'tensor' }: CloseOptions = {},
): CloseReport {
  if (actual.length !== expected.length) {
    return { ok: false, maxAbs: Infinity, maxRel: Infinity, worstIndex: -1, message: `${label}: length ${actual.length} != expected ${expected.length}` };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const d = Math.abs(a - b);
    const excess = Number.isNaN(d) ? Infinity : d - (atol + rtol * Math.abs(b));
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
    if (b !== 0) maxRel = Math.max(maxRel, d / Math.abs(b));
    if (excess > 0) {
      bad++;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  const ok = bad === 0;
  const message = ok
    ? `${label}: ok (max abs ${maxAbs.toExponential(2)})`
    : `${label}: ${bad}/${actual.length} values outside atol ${atol} rtol ${rtol}; worst at ${worst}: ${actual[worst]} vs ${expected[worst]} (max abs ${maxAbs.toExponential(3)})`;
  return { ok, maxAbs, maxRel, worstIndex: worst, message };
}

/** Throws with a descriptive message unless `actual` is close to `expected`. */
export function expectClose(actual: ArrayLike<number> | tf.Tensor, expected: ArrayLike<number> | tf.Tensor, options: CloseOptions = {}): CloseReport {
  const a = actual instanceof tf.Tensor ? actual.dataSync() : actual;
  const b = expected instanceof tf.Tensor ? expected.dataSync() : expected;
  const r = compareClose(a as ArrayLike<number>, b as ArrayLike<number>, options);
  if (!r.ok) throw new Error(r.message);
  return r;
}

/**
 * Central finite-difference gradient of a scalar function of one tensor, element by element.
 * Uses float32 tfjs evaluation, so pick eps ~1e-2..1e-3 and loose tolerances.
 */
export function numericGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2, indices?: number[]): Float32Array {
  const base = x.dataSync().slice() as Float32Array;
  const idx = indices ?? Array.from(base, (_, i) => i);
  const out = new Float32Array(base.length);
  for (const i of idx) {
    const orig = base[i];
    base[i] = orig + eps;
    const plus = tf.tidy(() => f(tf.tensor(base, x.shape)).dataSync()[0]);
    base[i] = orig - eps;
    const minus = tf.tidy(() => f(tf.tensor(base, x.shape)).dataSync()[0]);
    base[i] = orig;
    out[i] = (plus - minus) / (2 * eps);
  }
  return out;
}
