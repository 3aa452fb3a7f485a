import { describe, expect, it } from 'vitest';
import * as model from '../src/index.js';
import * as internal from '../src/internal.js';

describe('entry points', () => {
  it('keeps helpers for the CLI, sibling packages and tests behind @anydepth/model/internal', () => {
    for (const name of [
      'ANYDEPTH_FIELD_LIMITS',
      'CONFIG_METADATA_KEY',
      'loadCheckpointLayout',
      'detectDepthAnythingV2Layout',
      'sdtForwardTiled',
      'toyModelNotice',
      'colormapLut',
      'presetHelp',
    ]) {
      expect(name in internal, name).toBe(true);
      expect(name in model, name).toBe(false);
    }
    for (const name of [
      'createAnyDepth',
      'DepthAnythingV2',
      'getPreset',
      'listPresets',
      'registerPreset',
      'predict',
      'preprocessImage',
      'createDepthEstimator',
      'loadAnyDepthCheckpoint',
      'colorize',
    ]) {
      expect(name in model, name).toBe(true);
    }
  });
});
