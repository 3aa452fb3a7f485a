import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DecodeError } from '../errors.js';
import { parseHypersimCameraCsv, type HypersimCamera } from '../hypersim.js';
import type { DepthRule } from '../rules.js';
import { exists, readListFile, rel, walkFiles } from './fs-walk.js';
import type { AdapterOptions, DatasetName, Sample } from './sample.js';

/** A dataset's folder convention: which depth files to find, where their RGB lives, how to decode them. */
interface Layout {
  /** Matches a depth file's path relative to the root. */
  depth: RegExp;
  /** RGB path (relative to root) for a depth path (relative), or undefined when it cannot be derived. */
  rgb(depthRel: string): string;
  rule(depthRel: string, ctx: Ctx): DepthRule;
  mask?(depthRel: string): string;
}

interface Ctx {
  root: string;
  cameras?: Map<string, HypersimCamera>;
}

const stripExt = (p: string): string => p.replace(/\.[^./]+$/, '');

/** The standard folder layouts of the five training and five evaluation sets. */
export const LAYOUTS: Record<DatasetName, Layout> = {
  // <scene>/images/scene_cam_00_geometry_hdf5/frame.0000.depth_meters.hdf5 ↔ scene_cam_00_final_preview/frame.0000.tonemap.jpg
  hypersim: {
    depth: /(^|\/)images\/scene_cam_\d+_geometry_hdf5\/frame\.\d+\.depth_meters\.hdf5$/,
    rgb: (d) => d.replace(/_geometry_hdf5\//, '_final_preview/').replace(/\.depth_meters\.hdf5$/, '.tonemap.jpg'),
    rule: (d, ctx) => {
      const scene = /(?:^|\/)([^/]+)\/images\//.exec(d)?.[1];
      const cam = scene ? ctx.cameras?.get(scene) : undefined;
      return { format: 'hdf5', dataset: 'dataset', hypersimPlanar: cam ? cam.camFromUv : true };
    },
  },
  // Scene01/clone/frames/depth/Camera_0/depth_00000.png (uint16 cm) ↔ frames/rgb/Camera_0/rgb_00000.jpg
  vkitti2: {
    depth: /frames\/depth\/Camera_\d\/depth_\d+\.png$/,
    rgb: (d) => d.replace(/frames\/depth\/(Camera_\d)\/depth_(\d+)\.png$/, 'frames/rgb/$1/rgb_$2.jpg'),
    rule: () => ({ format: 'png16', scale: 100 }),
  },
  // <pid>/rendered_depth_maps/00000000.pfm ↔ <pid>/blended_images/00000000.jpg
  blendedmvs: {
    depth: /(^|\/)rendered_depth_maps\/\d+\.pfm$/,
    rgb: (d) => d.replace(/rendered_depth_maps\/(\d+)\.pfm$/, 'blended_images/$1.jpg'),
    rule: () => ({ format: 'pfm' }),
  },
  // <Category>/<Scene>/d_1.exr (disparity, 960×540, f = 480 px, baseline 0.1 m) ↔ l_1.png
  irs: {
    depth: /(^|\/)d_\d+\.exr$/,
    rgb: (d) => d.replace(/d_(\d+)\.exr$/, 'l_$1.png'),
    rule: () => ({ format: 'exr', disparityToDepth: 480 * 0.1 }),
  },
  // <env>/<Easy|Hard>/P000/depth_left/000000_left_depth.npy ↔ image_left/000000_left.png
  tartanair: {
    depth: /(^|\/)depth_left\/\d+_left_depth\.npy$/,
    rgb: (d) => d.replace(/depth_left\/(\d+)_left_depth\.npy$/, 'image_left/$1_left.png'),
    rule: () => ({ format: 'npy' }),
  },
  // BTS: <scene>/sync_depth_00000.png ↔ <scene>/rgb_00000.jpg; Metric3D: depth/sync_depth_00050.png ↔ rgb/rgb_00050.jpg
  nyuv2: {
    depth: /(^|\/)sync_depth_\d+\.png$/,
    rgb: (d) => d.replace(/(^|\/)depth\/sync_depth_(\d+)\.png$/, '$1rgb/rgb_$2.jpg').replace(/sync_depth_(\d+)\.png$/, 'rgb_$1.jpg'),
    rule: () => ({ format: 'png16', scale: 1000 }),
  },
  // KITTI depth benchmark: <drive>/proj_depth/groundtruth/image_02/0000000005.png ↔ raw <date>/<drive>/image_02/data/0000000005.png;
  // flat (Metric3D): depth/0000000005.png ↔ rgb/0000000005.png
  kitti: {
    depth: /((^|\/)proj_depth\/groundtruth\/image_0[23]\/\d+\.png$)|((^|\/)depth\/\d+\.png$)/,
    rgb: (d) => {
      const m = /(?:^|\/)(\d{4}_\d{2}_\d{2})_drive_(\d{4})_sync\/proj_depth\/groundtruth\/(image_0[23])\/(\d+)\.png$/.exec(d);
      if (m) return `${m[1]}/${m[1]}_drive_${m[2]}_sync/${m[3]}/data/${m[4]}.png`;
      return d.replace(/(^|\/)depth\/(\d+)\.png$/, '$1rgb/$2.png');
    },
    rule: () => ({ format: 'png16', scale: 256 }),
  },
  // <scene>/ground_truth_masked/dslr_images/DSC_0001.JPG (raw float32 6048×4032) ↔ <scene>/images/dslr_images/DSC_0001.JPG
  eth3d: {
    depth: /(^|\/)ground_truth_masked\/dslr_images\/[^/]+\.jpg$/i,
    rgb: (d) => d.replace(/ground_truth_masked\/dslr_images\//, 'images/dslr_images/'),
    rule: () => ({ format: 'raw-f32', width: 6048, height: 4032 }),
  },
  // <scene>/depth/000000.png (mm) ↔ <scene>/color/000000.jpg
  scannet: {
    depth: /(^|\/)depth\/\d+\.png$/,
    rgb: (d) => d.replace(/depth\/(\d+)\.png$/, 'color/$1.jpg'),
    rule: () => ({ format: 'png16', scale: 1000 }),
  },
  // <split>/<indoors|outdoor>/scene_x/scan_y/<id>_depth.npy ↔ <id>.png, mask <id>_depth_mask.npy
  diode: {
    depth: /_depth\.npy$/,
    rgb: (d) => d.replace(/_depth\.npy$/, '.png'),
    rule: () => ({ format: 'npy' }),
    mask: (d) => d.replace(/_depth\.npy$/, '_depth_mask.npy'),
  },
};

export function isDatasetName(name: string): name is DatasetName {
  return Object.prototype.hasOwnProperty.call(LAYOUTS, name);
}

function loadCameras(root: string, opts: AdapterOptions): Map<string, HypersimCamera> | undefined {
  const csv = opts.cameraCsv ?? join(root, 'metadata_camera_parameters.csv');
  if (!exists(csv)) return undefined;
  return parseHypersimCameraCsv(readFileSync(csv, 'utf8'));
}

/**
 * Lists the samples of a dataset root in a deterministic order. With `split`, the list file decides the samples
 * ("rgb depth" lines, KITTI Eigen lines with 'None' depth skipped, or one scene/pid folder per line); without it the
 * standard folder layout is walked. Samples whose RGB file is missing are kept (scoring needs only depth).
 */
export function listSamples(dataset: DatasetName | string, root: string, opts: AdapterOptions = {}): Sample[] {
  if (!isDatasetName(dataset)) throw new DecodeError('dataset', `unknown dataset '${dataset}' (known: ${Object.keys(LAYOUTS).join(', ')})`);
  const layout = LAYOUTS[dataset];
  const absRoot = resolve(root);
  const depthRoot = opts.depthRoot ? resolve(opts.depthRoot) : absRoot;
  const ctx: Ctx = { root: absRoot, cameras: dataset === 'hypersim' ? loadCameras(absRoot, opts) : undefined };
  const make = (depthAbs: string, rgbAbs?: string): Sample => {
    const depthRel = rel(depthRoot, depthAbs);
    const sample: Sample = {
      id: stripExt(depthRel),
      dataset,
      rgbPath: rgbAbs ?? join(absRoot, layout.rgb(rel(absRoot, depthAbs))),
      depthPath: depthAbs,
      rule: layout.rule(depthRel, ctx),
    };
    if (layout.mask) sample.maskPath = join(dirname(depthAbs), layout.mask(depthRel).split('/').pop()!);
    return sample;
  };
  if (!opts.split) {
    return walkFiles(depthRoot, (r) => layout.depth.test(r)).map((p) => make(p));
  }
  const out: Sample[] = [];
  for (const tokens of readListFile(opts.split)) {
    if (tokens.length >= 2) {
      if (tokens[1] === 'None') continue; // KITTI Eigen frames without ground truth
      const abs = (base: string, p: string) => (isAbsolute(p) ? p : join(base, p));
      out.push(make(abs(depthRoot, tokens[1]), abs(absRoot, tokens[0])));
    } else {
      const folder = join(depthRoot, tokens[0]);
      if (!exists(folder)) throw new DecodeError('dataset', `split entry '${tokens[0]}' not found under ${depthRoot}`);
      for (const p of walkFiles(folder, (r) => layout.depth.test(`${tokens[0]}/${r}`))) out.push(make(p));
    }
  }
  return out;
}

/** Reads a kept-list (one sample id per line, as written by `anydepth quality filter`). */
export function readKeptList(path: string): Set<string> {
  return new Set(readListFile(path).map((t) => t[0]));
}

/** Keeps only samples whose id is in the kept-list. */
export function filterKept<T extends { id: string }>(samples: T[], kept: Set<string>): T[] {
  return samples.filter((s) => kept.has(s.id));
}
