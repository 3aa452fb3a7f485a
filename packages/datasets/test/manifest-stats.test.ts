import { describe, expect, it } from 'vitest';
import type { DepthRule } from '../src/index.js';
import { readDepth } from '../src/node.js';
import { data, stats } from './helpers.js';

// Every depth file of ../shared/data/MANIFEST.md, decoded with the manifest's conversion; the expected numbers are the
// manifest's "stats after conversion" (valid %, min, max, median, printed to 1 and 3 decimals).
const CASES: [string, DepthRule, number, number, number, number][] = [
  ['kitti_metric3d/depth/0000000005.png', { format: 'png16', scale: 256 }, 19.5, 5.332, 84.895, 13.844],
  ['kitti_metric3d/depth/0000000050.png', { format: 'png16', scale: 256 }, 20.6, 5.203, 83.23, 13.438],
  ['kitti_metric3d/depth/0000000100.png', { format: 'png16', scale: 256 }, 18.3, 5.129, 80.809, 13.242],
  ['nyu_metric3d/depth/sync_depth_00000.png', { format: 'png16', scale: 1000 }, 73.3, 1.39, 6.625, 3.258],
  ['nyu_metric3d/depth/sync_depth_00050.png', { format: 'png16', scale: 1000 }, 75.1, 0.887, 8.266, 3.208],
  ['nyu_metric3d/depth/sync_depth_00100.png', { format: 'png16', scale: 1000 }, 67.0, 0.713, 6.446, 2.479],
  ['kitti2015_sttr/training/disp_occ_0/000046_10.png', { format: 'png16', scale: 256 }, 11.8, 4.871, 65.738, 29.953],
  ['kitti2015_sttr/training/disp_occ_0/000046_10.png', { format: 'png16', scale: 256, disparityToDepth: 721.54 * 0.54 }, 11.8, 5.927, 79.988, 13.008],
  ['open3d_rgbd/other_formats/NYU_depth.pgm', { format: 'nyu-raw-pgm' }, 92.8, 1.386, 6.691, 3.268],
  ['open3d_rgbd/other_formats/SUN_depth.png', { format: 'png16', scale: 1000, sunBitRotate: true }, 81.8, 1.057, 9.87, 2.723],
  ['open3d_rgbd/other_formats/TUM_depth.png', { format: 'png16', scale: 5000 }, 80.8, 1.464, 9.331, 2.415],
  ['open3d_rgbd/depth/00000.png', { format: 'png16', scale: 1000 }, 87.0, 0.955, 2.702, 1.861],
  ['open3d_rgbd/depth/00001.png', { format: 'png16', scale: 1000 }, 87.2, 0.982, 2.702, 1.861],
  ['open3d_rgbd/depth/00002.png', { format: 'png16', scale: 1000 }, 87.3, 1.007, 2.702, 1.861],
  ['open3d_rgbd/depth/00003.png', { format: 'png16', scale: 1000 }, 87.4, 1.029, 2.676, 1.861],
  ['open3d_rgbd/depth/00004.png', { format: 'png16', scale: 1000 }, 87.6, 1.052, 2.702, 1.861],
  ['hypersim/ai_037_002/images/scene_cam_00_geometry_hdf5/frame.0000.depth_meters.hdf5', { format: 'hdf5' }, 100.0, 2.961, 13.234, 5.504],
  ['tartanair_sample/depth_left/000000_left_depth.npy', { format: 'npy' }, 100.0, 0.164, 7.82, 0.371],
  ['tartanair_sample/depth_left/000060_left_depth.npy', { format: 'npy' }, 100.0, 0.441, 9.5, 2.273],
  ['tartanair_sample/depth_left/000120_left_depth.npy', { format: 'npy' }, 100.0, 0.556, 1.899, 0.981],
  ['tartanair_sample/depth_left/000180_left_depth.npy', { format: 'npy' }, 100.0, 0.475, 2572.0, 1.008],
  ['pfm_format_samples/middlebury2014_Motorcycle/disp0GT.pfm', { format: 'pfm' }, 97.9, 9.178, 62.877, 40.192],
  ['pfm_format_samples/sceneflow/disparity/left/A-0032-0006.pfm', { format: 'pfm' }, 100.0, 1.206, 130.365, 46.176],
  ['exr_format_samples/disparityprojection/depth.exr', { format: 'exr', invalidAbove: 1e9 }, 27.5, 2.378, 3.224, 2.72],
];

const SHAPES: Record<string, [number, number]> = {
  kitti: [375, 1242],
  nyu: [480, 640],
  open3d: [480, 640],
  hypersim: [768, 1024],
  tartanair: [480, 640],
  exr: [500, 500],
};

describe('decoders reproduce MANIFEST.md statistics on the real files', () => {
  for (const [file, rule, validPct, min, max, median] of CASES) {
    it(`${file} ${JSON.stringify(rule)}`, async () => {
      const m = await readDepth(data(file), rule);
      const s = stats(m);
      expect(Math.abs(s.validPct - validPct)).toBeLessThanOrEqual(0.051);
      // 3 printed decimals; float32 conversions can move a value across the rounding boundary by one unit.
      expect(Math.abs(s.min - min)).toBeLessThanOrEqual(0.0011);
      expect(Math.abs(s.max - max)).toBeLessThanOrEqual(0.0011);
      expect(Math.abs(s.median - median)).toBeLessThanOrEqual(0.0011);
      const key = Object.keys(SHAPES).find((k) => file.startsWith(k));
      if (key) expect([m.height, m.width]).toEqual(SHAPES[key]);
    });
  }
  it('PFM shapes: Middlebury 497×741, SceneFlow 540×960', async () => {
    const a = await readDepth(data('pfm_format_samples/middlebury2014_Motorcycle/disp0GT.pfm'));
    const b = await readDepth(data('pfm_format_samples/sceneflow/disparity/left/A-0032-0006.pfm'));
    expect([a.height, a.width, b.height, b.width]).toEqual([497, 741, 540, 960]);
    // inf marks invalid pixels in Middlebury GT: they are flagged in `valid`.
    let inf = 0;
    for (let i = 0; i < a.data.length; i++) if (!Number.isFinite(a.data[i])) inf += a.valid![i] === 0 ? 1 : 1e9;
    expect(inf).toBeGreaterThan(0);
    expect(inf).toBeLessThan(1e9);
  });
});
