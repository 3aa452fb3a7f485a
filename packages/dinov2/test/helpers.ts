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

/** The tiny DINOv2 inside `dav2_tiny.safetensors` (INDEX.md: D 64, 4 blocks, 2 heads, 37×37 grid, taps [0,1,2,3]). */
export const DAV2_TINY_ENCODER = { embedDim: 64, depth: 4, numHeads: 2, intermediateLayers: [0, 1, 2, 3] } as const;
