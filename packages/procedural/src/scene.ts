/**
 * Procedural RGB-D scenes: rooms of boxes, spheres and planes with procedural textures, Lambert +
 * ambient shading from a few point lights (with hard shadows), rendered by ray casting. Depth is
 * exact: the camera-space z of the first hit (planar depth, as in NYUv2/KITTI ground truth).
 *
 * Camera convention (OpenCV): x right, y down, z forward; pixel (u, v) centres at (u + 0.5, v + 0.5).
 * Everything is deterministic in the seed: a small local PRNG (mulberry32) drives scene layout, and
 * textures are hash-based value noise of world coordinates.
 */

export type Vec3 = [number, number, number];

export type Texture =
  | { kind: 'solid' }
  | { kind: 'checker'; scale: number; contrast: number }
  | { kind: 'noise'; scale: number; contrast: number }
  | { kind: 'stripes'; scale: number; contrast: number; axis: 0 | 1 | 2 };

export interface Material {
  color: Vec3; // linear RGB in [0, 1]
  texture: Texture;
  /** A second colour mixed in by the texture (default: `color` darkened by `contrast`). */
  color2?: Vec3;
}

/** A plane `dot(normal, p) = offset`, normal unit length; only the side facing the ray is lit. */
export interface PlaneShape {
  kind: 'plane';
  normal: Vec3;
  offset: number;
  material: Material;
}

export interface SphereShape {
  kind: 'sphere';
  center: Vec3;
  radius: number;
  material: Material;
}

/** A box with half sizes `half`, rotated by `yaw` radians about the world y axis around `center`. */
export interface BoxShape {
  kind: 'box';
  center: Vec3;
  half: Vec3;
  yaw: number;
  material: Material;
}

export type Shape = PlaneShape | SphereShape | BoxShape;

export interface PointLight {
  position: Vec3;
  intensity: number;
}

export interface SceneSpec {
  shapes: Shape[];
  lights: PointLight[];
  ambient: number;
  /** Camera rotation in radians: yaw about y, then pitch about x, then roll about z (camera at the origin). */
  camera: { yaw: number; pitch: number; roll: number };
  /** Horizontal field of view in degrees. */
  fovDegrees: number;
}

/**
 * Pinhole intrinsics in pixels in the project's one convention (OpenCV's: pixel u is the centre of column u, a centred
 * principal point is cx = (width − 1)/2). The same type as `Intrinsics` of `@anydepth/core` (structurally equal, so a
 * scene's intrinsics go straight into `encodePly`); declared here because this package has no dependencies.
 */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export interface RgbdScene {
  width: number;
  height: number;
  /** Interleaved 8-bit RGB, row-major, `height·width·3` values. */
  rgb: Uint8Array;
  /** Planar depth (camera z) in scene units (metres), `height·width` values; `Infinity` where nothing was hit. */
  depth: Float32Array;
  /** 1 where the depth is valid (finite). */
  valid: Uint8Array;
  intrinsics: Intrinsics;
}

export interface RenderOptions {
  width: number;
  height: number;
  /** Cast shadow rays towards each light (default true). */
  shadows?: boolean;
  /** Gamma applied to the linear colour before quantising (default 2.2). */
  gamma?: number;
}

/**
 * Pinhole intrinsics for a horizontal field of view, principal point at the centre: the same numbers as core's
 * `intrinsicsFromFov` (train/test/intrinsics.test.ts checks it; this package has no dependencies to import it from).
 */
export function intrinsicsFromFov(width: number, height: number, fovDegrees: number): Intrinsics {
  if (!(fovDegrees > 0 && fovDegrees < 180)) throw new Error(`field of view must be in (0, 180) degrees, got ${fovDegrees}`);
  const fx = width / 2 / Math.tan((fovDegrees * Math.PI) / 360);
  return { fx, fy: fx, cx: (width - 1) / 2, cy: (height - 1) / 2 };
}

const EPS = 1e-6;

/** Row-major 3×3 camera-to-world rotation R = Ry(yaw) · Rx(pitch) · Rz(roll). */
function cameraRotation(yaw: number, pitch: number, roll: number): number[] {
  const cy = Math.cos(yaw),
    sy = Math.sin(yaw);
  const cp = Math.cos(pitch),
    sp = Math.sin(pitch);
  const cr = Math.cos(roll),
    sr = Math.sin(roll);
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const rx = [1, 0, 0, 0, cp, -sp, 0, sp, cp];
  const rz = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  return mul3(mul3(ry, rx), rz);
}

function mul3(a: number[], b: number[]): number[] {
  const o = new Array<number>(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) o[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return o;
}

/** Hash of an integer lattice point to [0, 1). */
function hash3(x: number, y: number, z: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Trilinear value noise in [0, 1). */
function valueNoise(x: number, y: number, z: number): number {
  const xi = Math.floor(x),
    yi = Math.floor(y),
    zi = Math.floor(z);
  const fx = x - xi,
    fy = y - yi,
    fz = z - zi;
  const sx = fx * fx * (3 - 2 * fx),
    sy = fy * fy * (3 - 2 * fy),
    sz = fz * fz * (3 - 2 * fz);
  let acc = 0;
  for (let dz = 0; dz < 2; dz++) {
    const wz = dz ? sz : 1 - sz;
    for (let dy = 0; dy < 2; dy++) {
      const wy = dy ? sy : 1 - sy;
      for (let dx = 0; dx < 2; dx++) acc += (dx ? sx : 1 - sx) * wy * wz * hash3(xi + dx, yi + dy, zi + dz);
    }
  }
  return acc;
}

/** Texture mix factor t ∈ [0, 1] at world point p (0 → color, 1 → color2). */
function textureMix(t: Texture, p: Vec3 | number[]): number {
  switch (t.kind) {
    case 'solid':
      return 0;
    case 'checker': {
      const s = t.scale;
      const parity = (Math.floor(p[0] * s + 1e-4) + Math.floor(p[1] * s + 1e-4) + Math.floor(p[2] * s + 1e-4)) & 1;
      return parity * t.contrast;
    }
    case 'noise': {
      const s = t.scale;
      const n = 0.6 * valueNoise(p[0] * s, p[1] * s, p[2] * s) + 0.4 * valueNoise(p[0] * s * 2.7 + 17, p[1] * s * 2.7, p[2] * s * 2.7);
      return n * t.contrast;
    }
    case 'stripes':
      return (Math.floor(p[t.axis] * t.scale) & 1) * t.contrast;
  }
}

interface Hit {
  t: number;
  shape: number;
  nx: number;
  ny: number;
  nz: number;
}

/**
 * Nearest hit along o + t·d with t in (tMin, tMax); writes into `hit` and returns true when found.
 * `d` need not be unit length: t is measured in units of |d|.
 */
function intersect(
  shapes: Shape[],
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
  tMax: number,
  hit: Hit | null,
): boolean {
  let best = tMax;
  let found = false;
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i];
    if (s.kind === 'plane') {
      const [a, b, c] = s.normal;
      const denom = a * dx + b * dy + c * dz;
      if (Math.abs(denom) < 1e-12) continue;
      const t = (s.offset - (a * ox + b * oy + c * oz)) / denom;
      if (t > tMin && t < best) {
        best = t;
        found = true;
        if (hit) {
          const sign = denom < 0 ? 1 : -1; // face the ray
          hit.shape = i;
          hit.nx = a * sign;
          hit.ny = b * sign;
          hit.nz = c * sign;
        }
      }
    } else if (s.kind === 'sphere') {
      const [cx, cy, cz] = s.center;
      const px = ox - cx,
        py = oy - cy,
        pz = oz - cz;
      const a = dx * dx + dy * dy + dz * dz;
      const b = px * dx + py * dy + pz * dz;
      const c = px * px + py * py + pz * pz - s.radius * s.radius;
      const disc = b * b - a * c;
      if (disc < 0) continue;
      const sq = Math.sqrt(disc);
      let t = (-b - sq) / a;
      if (!(t > tMin)) t = (-b + sq) / a;
      if (t > tMin && t < best) {
        best = t;
        found = true;
        if (hit) {
          hit.shape = i;
          hit.nx = (px + t * dx) / s.radius;
          hit.ny = (py + t * dy) / s.radius;
          hit.nz = (pz + t * dz) / s.radius;
        }
      }
    } else {
      // Box: rotate the ray into the box frame (yaw about y), then the slab method.
      const cyw = Math.cos(s.yaw),
        syw = Math.sin(s.yaw);
      const rx = ox - s.center[0],
        ry = oy - s.center[1],
        rz = oz - s.center[2];
      const lo = [cyw * rx - syw * rz, ry, syw * rx + cyw * rz];
      const ld = [cyw * dx - syw * dz, dy, syw * dx + cyw * dz];
      let tNear = -Infinity,
        tFar = Infinity,
        axisNear = -1,
        signNear = 0;
      let miss = false;
      for (let k = 0; k < 3; k++) {
        const h = s.half[k];
        if (Math.abs(ld[k]) < 1e-12) {
          if (lo[k] < -h || lo[k] > h) {
            miss = true;
            break;
          }
          continue;
        }
        let t1 = (-h - lo[k]) / ld[k];
        let t2 = (h - lo[k]) / ld[k];
        let sgn = -1;
        if (t1 > t2) {
          const tmp = t1;
          t1 = t2;
          t2 = tmp;
          sgn = 1;
        }
        if (t1 > tNear) {
          tNear = t1;
          axisNear = k;
          signNear = sgn;
        }
        if (t2 < tFar) tFar = t2;
        if (tNear > tFar) {
          miss = true;
          break;
        }
      }
      if (miss || axisNear < 0) continue;
      const t = tNear > tMin ? tNear : tFar; // inside the box: the far face
      if (t > tMin && t < best) {
        best = t;
        found = true;
        if (hit) {
          const n = [0, 0, 0];
          n[axisNear] = signNear;
          if (t !== tNear) n[axisNear] = -signNear;
          // back to world: inverse yaw rotation
          hit.shape = i;
          hit.nx = cyw * n[0] + syw * n[2];
          hit.ny = n[1];
          hit.nz = -syw * n[0] + cyw * n[2];
        }
      }
    }
  }
  if (hit && found) hit.t = best;
  return found;
}

/** Renders a scene by ray casting: RGB with Lambert + ambient shading and exact planar depth. */
export function renderScene(scene: SceneSpec, options: RenderOptions): RgbdScene {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`renderScene: width and height must be positive integers, got ${width}x${height}`);
  }
  const shadows = options.shadows ?? true;
  const invGamma = 1 / (options.gamma ?? 2.2);
  const K = intrinsicsFromFov(width, height, scene.fovDegrees);
  const R = cameraRotation(scene.camera.yaw, scene.camera.pitch, scene.camera.roll);
  const rgb = new Uint8Array(width * height * 3);
  const depth = new Float32Array(width * height);
  const valid = new Uint8Array(width * height);
  const hit: Hit = { t: 0, shape: -1, nx: 0, ny: 0, nz: 0 };
  const p = [0, 0, 0];
  for (let v = 0; v < height; v++) {
    const yc = (v - K.cy) / K.fy;
    for (let u = 0; u < width; u++) {
      const xc = (u - K.cx) / K.fx; // through the pixel centre (OpenCV convention)
      // Camera-space direction (xc, yc, 1): t along it is the planar depth z.
      const dx = R[0] * xc + R[1] * yc + R[2];
      const dy = R[3] * xc + R[4] * yc + R[5];
      const dz = R[6] * xc + R[7] * yc + R[8];
      const i = v * width + u;
      if (!intersect(scene.shapes, 0, 0, 0, dx, dy, dz, EPS, Infinity, hit)) {
        depth[i] = Infinity;
        continue;
      }
      depth[i] = hit.t;
      valid[i] = 1;
      p[0] = hit.t * dx;
      p[1] = hit.t * dy;
      p[2] = hit.t * dz;
      const m = scene.shapes[hit.shape].material;
      const mix = textureMix(m.texture, p);
      const c2 = m.color2 ?? [m.color[0] * 0.35, m.color[1] * 0.35, m.color[2] * 0.35];
      let light = scene.ambient;
      for (const L of scene.lights) {
        const lx = L.position[0] - p[0],
          ly = L.position[1] - p[1],
          lz = L.position[2] - p[2];
        const dist2 = lx * lx + ly * ly + lz * lz;
        const dist = Math.sqrt(dist2);
        const cos = (hit.nx * lx + hit.ny * ly + hit.nz * lz) / dist;
        if (cos <= 0) continue;
        if (shadows) {
          const bias = 1e-4;
          if (intersect(scene.shapes, p[0] + hit.nx * bias, p[1] + hit.ny * bias, p[2] + hit.nz * bias, lx, ly, lz, 1e-5, 1 - 1e-5, null)) continue;
        }
        light += (L.intensity * cos) / (1 + 0.05 * dist2);
      }
      for (let c = 0; c < 3; c++) {
        const albedo = m.color[c] * (1 - mix) + c2[c] * mix;
        const linear = Math.min(1, albedo * light);
        rgb[i * 3 + c] = Math.round(255 * Math.pow(linear, invGamma));
      }
    }
  }
  return { width, height, rgb, depth, valid, intrinsics: K };
}

/** mulberry32: a tiny deterministic PRNG for scene layout. */
export function sceneRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomSceneOptions {
  /** Objects inside the room (default: 3–7, drawn from the seed). */
  objects?: number;
  /** Horizontal field of view in degrees (default 60). */
  fovDegrees?: number;
}

/** A random room (floor, ceiling, walls) with boxes and spheres, lights and a slightly rotated camera. */
export function randomScene(seed: number, options: RandomSceneOptions = {}): SceneSpec {
  const r = sceneRandom(seed * 2654435761 + 12345);
  const U = (a: number, b: number) => a + (b - a) * r();
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const color = (): Vec3 => {
    const base = U(0.35, 0.95);
    return [base * U(0.5, 1), base * U(0.5, 1), base * U(0.5, 1)];
  };
  const material = (): Material => {
    const kind = pick(['solid', 'checker', 'noise', 'noise', 'stripes'] as const);
    const contrast = U(0.3, 0.8);
    const texture: Texture =
      kind === 'solid'
        ? { kind }
        : kind === 'checker'
          ? { kind, scale: U(1, 4), contrast }
          : kind === 'noise'
            ? { kind, scale: U(1.5, 6), contrast }
            : { kind, scale: U(2, 8), contrast, axis: pick([0, 1, 2] as const) };
    return { color: color(), texture, color2: r() < 0.5 ? color() : undefined };
  };
  // Room extents around the camera at the origin (y down: the floor is at +floorY).
  const floorY = U(1.0, 1.8);
  const ceilY = -U(1.2, 2.2);
  const left = -U(1.5, 4);
  const right = U(1.5, 4);
  const back = U(4, 10);
  const shapes: Shape[] = [
    { kind: 'plane', normal: [0, 1, 0], offset: floorY, material: material() },
    { kind: 'plane', normal: [0, 1, 0], offset: ceilY, material: material() },
    { kind: 'plane', normal: [1, 0, 0], offset: left, material: material() },
    { kind: 'plane', normal: [1, 0, 0], offset: right, material: material() },
    { kind: 'plane', normal: [0, 0, 1], offset: back, material: material() },
    { kind: 'plane', normal: [0, 0, 1], offset: -2, material: material() },
  ];
  const n = options.objects ?? 3 + Math.floor(r() * 5);
  for (let k = 0; k < n; k++) {
    const z = U(1.8, back - 0.5);
    const x = U(left + 0.3, right - 0.3);
    if (r() < 0.5) {
      const radius = U(0.2, 0.8);
      const onFloor = r() < 0.6;
      shapes.push({ kind: 'sphere', center: [x, onFloor ? floorY - radius : U(ceilY + radius, floorY - radius), z], radius, material: material() });
    } else {
      const half: Vec3 = [U(0.15, 0.8), U(0.15, 0.9), U(0.15, 0.8)];
      const onFloor = r() < 0.7;
      const y = onFloor ? floorY - half[1] : U(ceilY + half[1], floorY - half[1]);
      shapes.push({ kind: 'box', center: [x, y, z], half, yaw: U(-0.8, 0.8), material: material() });
    }
  }
  const lights: PointLight[] = [];
  const nl = 1 + Math.floor(r() * 3);
  for (let k = 0; k < nl; k++) lights.push({ position: [U(left + 0.2, right - 0.2), U(ceilY + 0.1, 0), U(0.5, back - 0.5)], intensity: U(0.6, 1.4) / nl });
  return {
    shapes,
    lights,
    ambient: U(0.15, 0.35),
    camera: { yaw: U(-0.35, 0.35), pitch: U(-0.15, 0.15), roll: U(-0.05, 0.05) },
    fovDegrees: options.fovDegrees ?? 60,
  };
}

/** A random RGB-D room scene, deterministic in `seed`, at any size. */
export function proceduralScene(seed: number, options: RenderOptions & RandomSceneOptions): RgbdScene {
  return renderScene(randomScene(seed, options), options);
}
