import { intrinsicsFromFov } from '@anydepth/core';
import { encodePly } from '@anydepth/model';
import { intrinsicsFromFov as proceduralIntrinsics, proceduralScene } from '@anydepth/procedural';
import { describe, expect, it } from 'vitest';

// One intrinsics convention (OpenCV: cx = (width − 1)/2) across the renderer that makes training data and the PLY
// writer that back-projects predictions; procedural declares its copy only because it has no dependencies.
describe('intrinsics: one convention for procedural scenes and point clouds', () => {
  it('procedural intrinsics equal core intrinsicsFromFov, for even and odd sizes', () => {
    for (const [w, h, fov] of [
      [64, 48, 60],
      [33, 25, 50],
      [1, 1, 90],
    ] as const) {
      expect(proceduralIntrinsics(w, h, fov)).toEqual(intrinsicsFromFov(w, h, fov));
    }
    const scene = proceduralScene(3, { width: 40, height: 30 });
    expect(scene.intrinsics.cx).toBe(19.5);
    expect(scene.intrinsics.cy).toBe(14.5);
  });

  it('encodePly back-projects the principal point (cx, cy) = ((w − 1)/2, (h − 1)/2) onto the optical axis', () => {
    const w = 3;
    const h = 3;
    const K = intrinsicsFromFov(w, h, 60);
    const ply = encodePly(Float32Array.of(1, 1, 1, 1, 2, 1, 1, 1, 1), w, h, { intrinsics: K });
    const body = ply.subarray(ply.length - 9 * 12);
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    // vertex 4 is pixel (1, 1), the principal point: x = y = 0, z = 2
    expect([view.getFloat32(4 * 12, true), view.getFloat32(4 * 12 + 4, true), view.getFloat32(4 * 12 + 8, true)]).toEqual([0, 0, 2]);
  });
});
