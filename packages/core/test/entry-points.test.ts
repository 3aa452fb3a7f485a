import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import * as internal from '../src/internal.js';

describe('entry points', () => {
  it('keeps the helpers sibling packages build on behind @anydepth/core/internal, not in the main entry', () => {
    for (const name of [
      'asTensorSource',
      'withoutInitialisation',
      'fusedRun',
      'halfToFloat',
      'parseSafetensorsHeader',
      'ZipArchive',
      'restrictedUnpickle',
      'TorchCheckpoint',
      'checkFeatures',
    ]) {
      expect(name in internal, name).toBe(true);
      expect(name in core, name).toBe(false);
    }
    for (const name of [
      'Module',
      'Linear',
      'Conv2d',
      'SafetensorsFile',
      'saveSafetensors',
      'openCheckpoint',
      'useBackend',
      'Rng',
      'depthFromLogits',
      'tensorToHost',
    ]) {
      expect(name in core, name).toBe(true);
    }
  });
});
