import { readFileSync } from 'node:fs';
import { sharedPath } from '@anydepth/test-utils';
import type { DepthMap } from '../src/index.js';

export const data = (rel: string): string => sharedPath('data', rel);
export const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** valid %, min, max, median (numpy-style: mean of the two middle values) over valid, finite, positive pixels. */
export function stats(m: DepthMap): { validPct: number; min: number; max: number; median: number } {
  const v: number[] = [];
  for (let i = 0; i < m.data.length; i++) {
    const d = m.data[i];
    if ((m.valid ? m.valid[i] : 1) && d > 0 && Number.isFinite(d)) v.push(d);
  }
  v.sort((a, b) => a - b);
  const n = v.length;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { validPct: (100 * n) / m.data.length, min: v[0], max: v[n - 1], median };
}

export { encodePng } from '@anydepth/test-utils/png';
