import { describe, expect, it } from 'vitest';
import * as sdt from '../src/index.js';
import * as internal from '../src/internal.js';

describe('entry points', () => {
  it('keeps the block factories behind @anydepth/sdt/internal and the modules users compose in the main entry', () => {
    for (const name of ['readoutProject', 'fusionProjection', 'readoutAndProject', 'upsampleBlock', 'refinementBlock', 'outputHead']) {
      expect(name in internal, name).toBe(true);
      expect(name in sdt, name).toBe(false);
    }
    expect('checkFeatures' in sdt).toBe(false); // core's, from @anydepth/core/internal
    for (const name of ['SDTHead', 'WeightedFusion', 'SpatialDetailEnhancer', 'DySampleUpsampler', 'depthFromLogits', 'countFlops', 'countSdtFlops']) {
      expect(name in sdt, name).toBe(true);
    }
  });
});
