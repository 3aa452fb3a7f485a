import { SafetensorsFile } from '@anydepth/core';
import { readFixtureBytes } from '@anydepth/test-utils';

/** Fixture tensor names that are data, not weights (fixtures/README.md "Conventions"). */
export const isFixtureData = (key: string): boolean => /^(input|output|grad|debug|ref)\./.test(key);

const cache = new Map<string, SafetensorsFile>();

/** A fixture file parsed once per test process. */
export function fixture(name: string): SafetensorsFile {
  let f = cache.get(name);
  if (!f) {
    f = SafetensorsFile.fromBytes(readFixtureBytes(name), name);
    cache.set(name, f);
  }
  return f;
}

/** The tiny fixture model's hyper-parameters (INDEX.md: D128, 4 blocks, 2 heads). */
export const TINY = { embedDim: 128, depth: 4, numHeads: 2 } as const;
