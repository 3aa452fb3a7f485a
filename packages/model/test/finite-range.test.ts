import { describe, expect, it } from 'vitest';
import { finiteRange } from '../src/finite-range.js';

describe('finiteRange', () => {
  it('skips NaN and ±Infinity', () => {
    expect(finiteRange(Float32Array.of(NaN, 3, -Infinity, -2, Infinity, 7.5))).toEqual({ min: -2, max: 7.5 });
  });
  it('gives Infinity / −Infinity when nothing is finite', () => {
    expect(finiteRange(Float32Array.of(NaN, Infinity))).toEqual({ min: Infinity, max: -Infinity });
    expect(finiteRange([])).toEqual({ min: Infinity, max: -Infinity });
  });
});
