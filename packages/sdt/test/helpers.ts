import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile } from '@anydepth/core';
import { readFixtureBytes } from '@anydepth/test-utils';
import type { HeadFeature } from '../src/index.js';

export const DATA_PREFIXES = ['input.', 'output.', 'grad.', 'debug.', 'ref.'];
export const isData = (k: string): boolean => DATA_PREFIXES.some((p) => k.startsWith(p));

export function openFixture(name: string): SafetensorsFile {
  return SafetensorsFile.fromBytes(readFixtureBytes(name));
}

/** The four `(patch_nhwc, cls)` feature layers stored under `input.<k>.feat.block<i>`. */
export function fixtureFeatures(file: SafetensorsFile, key: string, layers = 4): HeadFeature[] {
  return Array.from({ length: layers }, (_, i) => ({
    patches: file.tensor(`input.${key}.feat.block${i}.patch_nhwc`),
    cls: file.tensor(`input.${key}.feat.block${i}.cls`),
  }));
}

export function disposeFeatures(features: HeadFeature[]): void {
  for (const f of features) tf.dispose([f.patches, ...(f.cls ? [f.cls] : [])]);
}
