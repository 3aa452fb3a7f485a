import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '@anydepth/test-utils';
import { SDTHead, countFlops } from '../src/index.js';

describe('countFlops (SDT head)', () => {
  beforeAll(() => setBackend('cpu'));

  it('every part equals a hand count for D=384, C=256 at 64×96 px (grid 4×6)', () => {
    const head = new SDTHead({ inChannels: 384 });
    const r = countFlops(head, { height: 64, width: 96 });
    const n = 4 * 6; // tokens
    const c = 256;
    expect(r.parts.readout).toBe(4 * n * 768 * 384);
    expect(r.parts.projections).toBe(4 * n * 384 * c);
    expect(r.parts.detail_enhancer).toBe(n * c * 9);
    // DySample step at input size p pixels: offset + scope 1×1 convs (C→32 each), 4 taps per output value, conv 3×3 at 4p.
    const step = (p: number) => 2 * p * c * 32 + 4 * 4 * p * c + 4 * p * c * c * 9;
    expect(r.parts.upsample_1).toBe(step(n) + step(4 * n));
    expect(r.parts.refinement_1).toBe(16 * n * c * c * 9);
    expect(r.parts.upsample_2).toBe(step(16 * n) + step(64 * n));
    expect(r.parts.refinement_2).toBe(256 * n * c * c * 9);
    expect(r.parts.output_conv).toBe(256 * n * (c * 128 * 9 + 128 * 32 * 9 + 32));
    expect(r.macs).toBe(Object.values(r.parts).reduce((a, b) => a + b, 0));
    // Without a class token the readouts do not run.
    expect(countFlops(head, { height: 64, width: 96, withClsToken: false }).parts.readout).toBe(0);
    // Linear in area and batch.
    expect(countFlops(head, { height: 128, width: 192, batch: 2 }).macs).toBe(8 * r.macs);
    expect(() => countFlops(head, { height: 60, width: 96 })).toThrow(/multiple/);
    head.dispose();
  });

  it('other patch sizes: a 14-px grid of 3×5 gives a 48×80 output', () => {
    const head = new SDTHead({ inChannels: [64, 64], fusionChannels: 32, readout: false });
    const r = countFlops(head, { height: 42, width: 70, patchSize: 14 });
    expect(r.parts.refinement_2).toBe(48 * 80 * 32 * 32 * 9);
    head.dispose();
  });
});
