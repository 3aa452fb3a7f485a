import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, setBackend } from '@anydepth/test-utils';
import { SDTHead } from '../src/index.js';

const counts = JSON.parse(readFileSync(fixturePath('param_counts.json'), 'utf8')).sdt_head;

describe('SDTHead parameter counts (spec §1.5)', () => {
  beforeAll(() => setBackend('cpu'));

  const cases: Array<[number, number]> = [
    [384, 5_517_381],
    [768, 9_451_077],
    [1024, 13_384_261],
  ];
  for (const [d, n] of cases) {
    it(`D=${d}, C=256: ${n.toLocaleString()} parameters (param_counts.json ${counts.counts[String(d)]})`, () => {
      const head = new SDTHead({ inChannels: d, fusionChannels: 256 });
      expect(head.numParameters()).toBe(n);
      expect(head.numParameters()).toBe(counts.counts[String(d)]);
      // Per-child breakdown from the fixture.
      const breakdown = counts.breakdown[String(d)] as Record<string, number>;
      for (const [prefix, expected] of Object.entries(breakdown)) {
        const got = head
          .namedParameters()
          .filter(([name]) => name.startsWith(`${prefix}.`))
          .reduce((a, [, v]) => a + v.size, 0);
        expect(got, prefix).toBe(expected);
      }
      head.dispose();
    });
  }

  it('D=384: parameter names, order and PyTorch shapes equal the official state dict; buffers too', () => {
    const head = new SDTHead({ inChannels: 384 });
    const shapes = head.stateDictShapes();
    const params = head.namedParameters().map(([name]) => [name, shapes[name]]);
    expect(params).toEqual(counts.D384_parameters);
    const paramNames = new Set(params.map(([n]) => n));
    const buffers = Object.keys(shapes).filter((n) => !paramNames.has(n));
    expect(buffers.sort()).toEqual((counts.D384_buffers as Array<[string]>).map(([n]) => n).sort());
    for (const [name, shape] of counts.D384_buffers as Array<[string, number[]]>) expect(shapes[name], name).toEqual(shape);
    expect(Object.keys(shapes).length).toBe(counts.D384_state_dict_len);
    head.dispose();
  });

  it('dyscope=false drops 8,192 per DySample (param_counts.json)', () => {
    const head = new SDTHead({ inChannels: 384, upsampler: { dyscope: false } });
    expect(head.numParameters()).toBe(counts.counts_dyscope_false_would_be['384']);
    head.dispose();
  });

  it('any number of layers and per-layer widths; readout can be left out', () => {
    const head = new SDTHead({ inChannels: [64, 96, 128], fusionChannels: 32 });
    const noReadout = new SDTHead({ inChannels: [64, 96, 128], fusionChannels: 32, readout: false });
    const readout = [64, 96, 128].reduce((a, d) => a + 2 * d * d + d, 0);
    expect(head.numParameters() - noReadout.numParameters()).toBe(readout);
    expect(head.weightedFusion.layerWeights.shape).toEqual([3]);
    head.dispose();
    noReadout.dispose();
  });

  it('rejects bad options and feature lists with clear errors', () => {
    expect(() => new SDTHead({ inChannels: [] })).toThrow(/inChannels/);
    expect(() => new SDTHead({ inChannels: 64, fusionChannels: 30 })).toThrow(/divisible/);
    const head = new SDTHead({ inChannels: [16, 16], fusionChannels: 8 });
    expect(() => head.forward([])).toThrow(/expected 2 feature layers/);
    head.dispose();
  });
});
