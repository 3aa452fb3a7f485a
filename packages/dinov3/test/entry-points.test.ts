import { describe, expect, it } from 'vitest';
import * as dinov3 from '../src/index.js';
import * as internal from '../src/internal.js';

describe('entry points', () => {
  it('keeps weight-name mapping, scheme detection and size limits behind @anydepth/dinov3/internal', () => {
    for (const name of ['DINOV3_FIELD_LIMITS', 'fourEvenIntervals', 'detectWeightScheme', 'hubToHfName', 'HubToHfSource', 'buildPretrained', 'rotateHalf']) {
      expect(name in internal, name).toBe(true);
      expect(name in dinov3, name).toBe(false);
    }
    for (const name of [
      'DinoVisionTransformer',
      'dinov3Preset',
      'DINOV3_PRESETS',
      'loadDinov3Weights',
      'fromPretrained',
      'configFromHf',
      'ropeTables',
      'setAttentionStrategy',
    ]) {
      expect(name in dinov3, name).toBe(true);
    }
  });
});
