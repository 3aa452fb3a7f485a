import { readFileSync } from 'node:fs';
import { decodePng } from '@anydepth/datasets';
import { sharedPath } from '@anydepth/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { compileWat } from '../../../scripts/build-wasm.mjs';
import { scoreDepthMap } from '../src/index.js';
import { scoreCodesWasmBase64 } from '../src/wasm/score-codes-wasm.js';

const nyu = ['sync_depth_00000.png', 'sync_depth_00050.png', 'sync_depth_00100.png'].map((f) => {
  const img = decodePng(new Uint8Array(readFileSync(sharedPath('data', `nyu_metric3d/depth/${f}`))));
  return { data: img.data as Uint16Array, width: img.width, height: img.height };
});

describe('WebAssembly passes of the 16-bit scorer', () => {
  it('the embedded module is the compiled score-codes.wat (run `npm run wasm` after editing it)', async () => {
    const wat = readFileSync(new URL('../src/wasm/score-codes.wat', import.meta.url), 'utf8');
    expect(Buffer.from(await compileWat('score-codes.wat', wat)).toString('base64')).toBe(scoreCodesWasmBase64);
  });

  it('without WebAssembly the JavaScript passes give the very same records (real NYU maps, far planes, scales)', async () => {
    const options = [{ scale: 1000 }, { scale: 1000, maxDepth: 3 }, { scale: 256 }, { scale: 1, bins: 7 }];
    const withWasm = nyu.flatMap((m) => options.map((o) => scoreDepthMap(m.data, m.width, m.height, o)));
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const kernel = await import('../src/wasm/kernel.js');
      expect(kernel.CodeKernel.create()).toBeNull();
      const fresh = await import('../src/score.js');
      const withoutWasm = nyu.flatMap((m) => options.map((o) => fresh.scoreDepthMap(m.data, m.width, m.height, o)));
      expect(withoutWasm).toEqual(withWasm);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('a map too large to keep the memory for, then small ones: each equals the float64 path', () => {
    const w = 2300;
    const h = 2000; // 4.6 M pixels: the module grows past 64 MiB for this map and is dropped afterwards
    const big = new Uint16Array(w * h);
    for (let i = 0; i < big.length; i++) big[i] = i % 97 === 0 ? 0 : 1000 + ((i % w) >> 2) + ((i * 7919) % 13);
    for (const [data, width, height] of [
      [nyu[0].data, 640, 480],
      [big, w, h],
      [nyu[1].data, 640, 480],
    ] as const) {
      const got = scoreDepthMap(data, width, height, { scale: 1000 });
      const want = scoreDepthMap(
        Float64Array.from(data, (c) => c / 1000),
        width,
        height,
      );
      // the two paths sum in different orders: rounding grows with the number of terms (7e-12 at 4.6 M)
      const rtol = width * height > 1e6 ? 1e-10 : 1e-12;
      for (const k of ['validRatio', 'distScore', 'gradScore', 'totalScore'] as const) {
        expect(Math.abs(got[k] - want[k]) / want[k], `${width}×${height} ${k}`).toBeLessThanOrEqual(rtol);
      }
    }
  });
});
