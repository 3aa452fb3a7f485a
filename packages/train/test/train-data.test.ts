import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSamples } from '@anydepth/datasets/node';
import { setBackend, sharedPath } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetSource, keptSource, proceduralSource, subsetSource } from '../src/index.js';

// datasetSource resizes RGB with resizeForNetwork (tfjs), as predict does.
beforeAll(async () => {
  await setBackend('cpu');
});

describe('training sources', () => {
  it('reads real NYUv2 samples through the dataset adapters, resized to the training size with a valid mask', async () => {
    const samples = listSamples('nyuv2', sharedPath('data', 'nyu_metric3d'));
    const source = datasetSource(samples, { width: 64, height: 48 });
    expect(source.length).toBe(3);
    const s = await source.get(0);
    expect([s.width, s.height, s.rgb.length, s.depth.length]).toEqual([64, 48, 64 * 48 * 3, 64 * 48]);
    let valid = 0;
    for (let i = 0; i < s.depth.length; i++) {
      if (s.valid![i]) {
        valid++;
        expect(s.depth[i]).toBeGreaterThan(0.1); // metres (÷1000)
        expect(s.depth[i]).toBeLessThan(12);
      }
    }
    expect(valid / s.depth.length).toBeGreaterThan(0.5);
    expect(await source.get(0)).toBe(s); // memoised
  });

  it('restricts a dataset to a kept-list file and fails clearly when nothing is left', () => {
    const samples = listSamples('nyuv2', sharedPath('data', 'nyu_metric3d'));
    const dir = mkdtempSync(join(tmpdir(), 'anydepth-kept-'));
    writeFileSync(join(dir, 'kept.txt'), `${samples[1].id}\n`);
    const source = datasetSource(samples, { width: 32, height: 32, keptList: join(dir, 'kept.txt') });
    expect(source.length).toBe(1);
    expect(source.id(0)).toBe(samples[1].id);
    writeFileSync(join(dir, 'none.txt'), 'nothing\n');
    expect(() => datasetSource(samples, { width: 32, height: 32, keptList: join(dir, 'none.txt') })).toThrow(/no samples left after the kept-list/);
  });

  it('selects procedural scenes by kept ids and by index', async () => {
    const all = proceduralSource({ count: 6, width: 32, height: 32 });
    const kept = keptSource(all, new Set(['scene-1', 'scene-4']));
    expect([kept.length, kept.id(0), kept.id(1)]).toEqual([2, 'scene-1', 'scene-4']);
    expect((await kept.get(1)).id).toBe('scene-4');
    expect(subsetSource(all, [5, 0]).id(0)).toBe('scene-5');
    expect(() => all.get(6)).toThrow(RangeError);
  });
});
