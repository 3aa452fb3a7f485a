import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, setBackend } from '@anydepth/test-utils';
import { interpolateBilinear } from '../src/internal.js';

/** PyTorch's upsample_bilinear2d source index (aten/src/ATen/native/UpSample.h, area_pixel_compute_source_index). */
function torchSource(dst: number, inSize: number, outSize: number, alignCorners: boolean): number {
  if (alignCorners) return outSize > 1 ? (dst * (inSize - 1)) / (outSize - 1) : 0;
  const src = (dst + 0.5) * (inSize / outSize) - 0.5;
  return src < 0 ? 0 : src;
}

/** Reference bilinear resize written from PyTorch's formula, for a [H, W] single-channel map. */
function torchBilinear(x: number[][], outH: number, outW: number, alignCorners: boolean): number[] {
  const inH = x.length;
  const inW = x[0].length;
  const out: number[] = [];
  for (let oy = 0; oy < outH; oy++) {
    const sy = torchSource(oy, inH, outH, alignCorners);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, inH - 1);
    const ly = sy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const sx = torchSource(ox, inW, outW, alignCorners);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, inW - 1);
      const lx = sx - x0;
      out.push((1 - ly) * ((1 - lx) * x[y0][x0] + lx * x[y0][x1]) + ly * ((1 - lx) * x[y1][x0] + lx * x[y1][x1]));
    }
  }
  return out;
}

describe('interpolateBilinear matches F.interpolate(mode="bilinear")', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const alignCorners of [true, false]) {
      it(`${backend}, align_corners=${alignCorners}: 3×5 → 6×10, 3×5 → 4×7 and 6×10 → 3×5`, async () => {
        await setBackend(backend);
        const rows = (h: number, w: number) =>
          Array.from({ length: h }, (_, i) => Array.from({ length: w }, (_, j) => Math.sin(3 * i + 1.7 * j) + 0.1 * i * j));
        for (const [[h, w], [oh, ow]] of [
          [
            [3, 5],
            [6, 10],
          ],
          [
            [3, 5],
            [4, 7],
          ],
          [
            [6, 10],
            [3, 5],
          ],
        ] as Array<[[number, number], [number, number]]>) {
          const grid = rows(h, w);
          const x = tf.tensor4d(grid.flat(), [1, h, w, 1]);
          const y = interpolateBilinear(x, [oh, ow], alignCorners);
          expectClose(y, torchBilinear(grid, oh, ow, alignCorners), { atol: 1e-5, label: `${h}x${w}->${oh}x${ow} ac=${alignCorners}` });
          tf.dispose([x, y]);
        }
      });
    }
  }

  it('differs from the TF legacy mode (alignCorners=false, halfPixelCenters=false) for align_corners=False', async () => {
    await setBackend('cpu');
    const x = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
    const legacy = tf.image.resizeBilinear(x, [4, 4], false, false).dataSync();
    const ours = interpolateBilinear(x, [4, 4], false).dataSync();
    expect(Array.from(legacy)).not.toEqual(Array.from(ours));
    x.dispose();
  });
});
