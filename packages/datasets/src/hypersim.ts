import { finishDepthMap } from './depth-map.js';
import { DecodeError } from './errors.js';
import type { DepthMap } from './types.js';

/** Hypersim's standard camera: 1024×768, 60° horizontal field of view (focal ≈ 886.81 px). */
export const HYPERSIM_STANDARD = { width: 1024, height: 768, fovX: Math.PI / 3 } as const;

/** 3×3 row-major matrix mapping (u, v, 1) in NDC (u right, v up, in [−1, 1]) to a camera-space ray (camera looks down −z). */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

/** M_cam_from_uv of a pinhole camera with horizontal field of view `fovX` (Hypersim's standard when fovX = 60°). */
export function camFromUvForFov(width: number, height: number, fovX: number): Mat3 {
  const t = Math.tan(fovX / 2);
  return [t, 0, 0, 0, (t * height) / width, 0, 0, 0, -1];
}

/** One scene's row of Hypersim's metadata_camera_parameters.csv. */
export interface HypersimCamera {
  scene: string;
  width: number;
  height: number;
  camFromUv: Mat3;
}

/** Parses metadata_camera_parameters.csv (quoted fields allowed) into a map scene → camera. */
export function parseHypersimCameraCsv(text: string): Map<string, HypersimCamera> {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) throw new DecodeError('hypersim', 'empty camera parameter CSV');
  const split = (line: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let q = false;
    for (const ch of line) {
      if (ch === '"') q = !q;
      else if (ch === ',' && !q) {
        out.push(cur);
        cur = '';
      } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const head = split(lines[0]);
  const col = (n: string): number => {
    const i = head.indexOf(n);
    if (i < 0) throw new DecodeError('hypersim', `camera CSV lacks column '${n}'`);
    return i;
  };
  const iScene = col('scene_name');
  const iH = col('settings_output_img_height');
  const iW = col('settings_output_img_width');
  const iM = ['00', '01', '02', '10', '11', '12', '20', '21', '22'].map((s) => col(`M_cam_from_uv_${s}`));
  const map = new Map<string, HypersimCamera>();
  for (const line of lines.slice(1)) {
    const f = split(line);
    const m = iM.map((i) => Number(f[i])) as Mat3;
    if (m.some((v) => !Number.isFinite(v))) continue;
    map.set(f[iScene], { scene: f[iScene], width: Number(f[iW]), height: Number(f[iH]), camFromUv: m });
  }
  return map;
}

/**
 * Hypersim `depth_meters` stores the Euclidean distance from the camera centre. Planar depth (z) is
 * distance · |r_z| / ‖r‖ with r = M_cam_from_uv · (u, v, 1) at each pixel centre (u = (x+0.5)/W·2−1, v = 1−(y+0.5)/H·2).
 * Without a matrix, the standard 60° camera is used. Non-finite distances stay non-finite.
 */
export function hypersimDistanceToPlanar(map: DepthMap, camFromUv?: Mat3): DepthMap {
  const { width: w, height: h } = map;
  const m = camFromUv ?? camFromUvForFov(w, h, HYPERSIM_STANDARD.fovX);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const v = 1 - ((y + 0.5) / h) * 2;
    for (let x = 0; x < w; x++) {
      const u = ((x + 0.5) / w) * 2 - 1;
      const rx = m[0] * u + m[1] * v + m[2];
      const ry = m[3] * u + m[4] * v + m[5];
      const rz = m[6] * u + m[7] * v + m[8];
      const i = y * w + x;
      out[i] = (map.data[i] * Math.abs(rz)) / Math.sqrt(rx * rx + ry * ry + rz * rz);
    }
  }
  return finishDepthMap({ width: w, height: h, data: out, valid: map.valid?.slice() });
}
