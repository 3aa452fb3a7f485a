import { describe, expect, it } from 'vitest';
import * as dpt from '../src/index.js';
import * as internal from '../src/internal.js';

describe('entry points', () => {
  it('keeps helpers behind @anydepth/dpt/internal and the heads and their modules in the main entry', () => {
    expect('interpolateBilinear' in internal).toBe(true);
    for (const name of ['interpolateBilinear', 'checkFeatures', 'conv2dMacs', 'convTranspose2dMacs', 'bilinearMacs']) {
      expect(name in dpt, name).toBe(false);
    }
    for (const name of [
      'DPTHead',
      'DepthAnythingV2DPTHead',
      'createDepthAnythingV2Head',
      'DAV2_DPT_CONFIGS',
      'Interpolate',
      'ReassembleBlocks',
      'FeatureFusionBlock',
      'depthFromLogits',
      'countFlops',
    ]) {
      expect(name in dpt, name).toBe(true);
    }
  });
});
