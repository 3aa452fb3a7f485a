import { describe, expect, it } from 'vitest';
import { type SceneSpec, intrinsicsFromFov, proceduralScene, randomScene, renderScene } from '../src/index.js';

const flat = { color: [0.8, 0.6, 0.4] as [number, number, number], texture: { kind: 'solid' as const } };
const still = { yaw: 0, pitch: 0, roll: 0 };

describe('procedural scenes', () => {
  it('is deterministic in the seed and differs between seeds', () => {
    const a = proceduralScene(7, { width: 48, height: 32 });
    const b = proceduralScene(7, { width: 48, height: 32 });
    const c = proceduralScene(8, { width: 48, height: 32 });
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(Buffer.from(a.depth.buffer).equals(Buffer.from(b.depth.buffer))).toBe(true);
    expect(Buffer.from(a.depth.buffer).equals(Buffer.from(c.depth.buffer))).toBe(false);
    expect(a.rgb.length).toBe(48 * 32 * 3);
    expect(a.depth.length).toBe(48 * 32);
    expect(randomScene(7)).toEqual(randomScene(7));
  });

  it('renders rooms: every pixel hits a surface, depths are positive and varied, images are textured', () => {
    for (const seed of [0, 1, 2, 3]) {
      const s = proceduralScene(seed, { width: 64, height: 64 });
      let lo = Infinity;
      let hi = 0;
      for (let i = 0; i < s.depth.length; i++) {
        expect(s.valid[i]).toBe(1);
        lo = Math.min(lo, s.depth[i]);
        hi = Math.max(hi, s.depth[i]);
      }
      expect(lo).toBeGreaterThan(0.3);
      expect(hi / lo).toBeGreaterThan(1.5);
      const levels = new Set(Array.from(s.rgb));
      expect(levels.size).toBeGreaterThan(20);
    }
  });

  it('gives the exact planar depth of a fronto-parallel plane', () => {
    const scene: SceneSpec = {
      shapes: [{ kind: 'plane', normal: [0, 0, 1], offset: 5, material: flat }],
      lights: [{ position: [0, 0, 0], intensity: 1 }],
      ambient: 0.2,
      camera: still,
      fovDegrees: 70,
    };
    const s = renderScene(scene, { width: 40, height: 30 });
    for (let i = 0; i < s.depth.length; i++) expect(s.depth[i]).toBe(5);
  });

  it('gives the exact depth of a tilted floor plane: z = h·fy / (v + 0.5 − cy)', () => {
    const h = 1.5;
    const scene: SceneSpec = {
      shapes: [{ kind: 'plane', normal: [0, 1, 0], offset: h, material: flat }],
      lights: [],
      ambient: 1,
      camera: still,
      fovDegrees: 60,
    };
    const W = 32;
    const H = 32;
    const s = renderScene(scene, { width: W, height: H });
    const K = intrinsicsFromFov(W, H, 60);
    for (let v = 0; v < H; v++) {
      for (let u = 0; u < W; u++) {
        const y = (v - K.cy) / K.fy;
        const expected = y > 0 ? h / y : Infinity;
        const got = s.depth[v * W + u];
        if (Number.isFinite(expected)) expect(Math.abs(got - expected) / expected).toBeLessThan(1e-6);
        else expect(s.valid[v * W + u]).toBe(0);
      }
    }
  });

  it('gives the exact depth of a sphere (ray–sphere solution by hand)', () => {
    const c = [0.3, -0.2, 4];
    const R = 1;
    const scene: SceneSpec = {
      shapes: [{ kind: 'sphere', center: [c[0], c[1], c[2]], radius: R, material: flat }],
      lights: [{ position: [0, -2, 0], intensity: 1 }],
      ambient: 0.1,
      camera: still,
      fovDegrees: 50,
    };
    const W = 33;
    const H = 25;
    const s = renderScene(scene, { width: W, height: H });
    const K = intrinsicsFromFov(W, H, 50);
    let hits = 0;
    for (let v = 0; v < H; v++) {
      for (let u = 0; u < W; u++) {
        const d = [(u - K.cx) / K.fx, (v - K.cy) / K.fy, 1];
        // |t·d − c|² = R²  →  a t² − 2 b t + (|c|² − R²) = 0
        const a = d[0] ** 2 + d[1] ** 2 + 1;
        const b = d[0] * c[0] + d[1] * c[1] + c[2];
        const disc = b * b - a * (c[0] ** 2 + c[1] ** 2 + c[2] ** 2 - R * R);
        const i = v * W + u;
        if (disc < 0) {
          expect(s.valid[i]).toBe(0);
          continue;
        }
        hits++;
        const t = (b - Math.sqrt(disc)) / a; // z of the near hit (d has z = 1)
        expect(Math.abs(s.depth[i] - t)).toBeLessThan(1e-5 * t);
      }
    }
    expect(hits).toBeGreaterThan(50);
    // the centre pixel sees the sphere's front: depth ≈ |c| − R along the ray
    expect(s.depth[Math.floor(H / 2) * W + Math.floor(W / 2)]).toBeLessThan(c[2]);
  });

  it('rejects bad sizes', () => {
    expect(() => proceduralScene(0, { width: 0, height: 4 })).toThrow(/width and height/);
  });

  it('renders hundreds of small scenes quickly', () => {
    const t0 = performance.now();
    for (let s = 0; s < 100; s++) proceduralScene(s, { width: 64, height: 64 });
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(20000);
  });
});
