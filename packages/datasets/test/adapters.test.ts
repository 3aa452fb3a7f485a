import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filterKept, listSamples, readKeptList } from '../src/node.js';
import { data } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'anydepth-adapters-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(name: string, files: string[]): string {
  const root = join(tmp, name);
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  return root;
}

describe('adapters on the real sample folders', () => {
  it('NYUv2 (Metric3D rgb/ + depth/ layout)', () => {
    const s = listSamples('nyuv2', data('nyu_metric3d'));
    expect(s.map((x) => x.id)).toEqual(['depth/sync_depth_00000', 'depth/sync_depth_00050', 'depth/sync_depth_00100']);
    expect(s.every((x) => existsSync(x.rgbPath))).toBe(true);
    expect(s[0].rule).toEqual({ format: 'png16', scale: 1000 });
  });
  it('KITTI (flat rgb/ + depth/ layout), ÷256', () => {
    const s = listSamples('kitti', data('kitti_metric3d'));
    expect(s).toHaveLength(3);
    expect(s.every((x) => existsSync(x.rgbPath))).toBe(true);
    expect(s[0].rule).toEqual({ format: 'png16', scale: 256 });
  });
  it('TartanAir (image_left/ + depth_left/)', () => {
    const s = listSamples('tartanair', data('tartanair_sample'));
    expect(s.map((x) => x.id)).toEqual([0, 60, 120, 180].map((i) => `depth_left/${String(i).padStart(6, '0')}_left_depth`));
    expect(s.every((x) => existsSync(x.rgbPath))).toBe(true);
  });
  it('Hypersim: scene camera matrix from the root metadata_camera_parameters.csv', () => {
    const s = listSamples('hypersim', data('hypersim'));
    expect(s).toHaveLength(1);
    expect(s[0].id).toBe('ai_037_002/images/scene_cam_00_geometry_hdf5/frame.0000.depth_meters');
    expect(s[0].rgbPath.endsWith('ai_037_002/images/scene_cam_00_final_preview/frame.0000.tonemap.jpg')).toBe(true);
    const rule = s[0].rule as { format: string; hypersimPlanar: number[] };
    expect(rule.format).toBe('hdf5');
    expect(rule.hypersimPlanar[0]).toBeCloseTo(0.579607251426182, 12);
  });
});

describe('adapters on fabricated standard layouts', () => {
  it('Virtual KITTI 2: frames/depth/Camera_i/depth_n.png (cm) ↔ frames/rgb/Camera_i/rgb_n.jpg', () => {
    const root = tree('vkitti2', [
      'Scene01/clone/frames/depth/Camera_0/depth_00000.png',
      'Scene01/clone/frames/depth/Camera_1/depth_00000.png',
      'Scene01/clone/frames/rgb/Camera_0/rgb_00000.jpg',
      'Scene02/fog/frames/depth/Camera_0/depth_00007.png',
    ]);
    const s = listSamples('vkitti2', root);
    expect(s.map((x) => x.id)).toEqual([
      'Scene01/clone/frames/depth/Camera_0/depth_00000',
      'Scene01/clone/frames/depth/Camera_1/depth_00000',
      'Scene02/fog/frames/depth/Camera_0/depth_00007',
    ]);
    expect(s[0].rgbPath).toBe(join(root, 'Scene01/clone/frames/rgb/Camera_0/rgb_00000.jpg'));
    expect(s[0].rule).toEqual({ format: 'png16', scale: 100 });
  });
  it('BlendedMVS: rendered_depth_maps/*.pfm ↔ blended_images/*.jpg, pid list split', () => {
    const root = tree('blendedmvs', [
      '5a3ca9cb270f0e3f14d0eddb/rendered_depth_maps/00000000.pfm',
      '5a3ca9cb270f0e3f14d0eddb/blended_images/00000000.jpg',
      '5a3ca9cb270f0e3f14d0eddb/blended_images/00000000_masked.jpg',
      '5b21e18c58e2823a67a10dd8/rendered_depth_maps/00000003.pfm',
    ]);
    expect(listSamples('blendedmvs', root)).toHaveLength(2);
    writeFileSync(join(tmp, 'bmvs_list.txt'), '5b21e18c58e2823a67a10dd8\n');
    const s = listSamples('blendedmvs', root, { split: join(tmp, 'bmvs_list.txt') });
    expect(s.map((x) => x.id)).toEqual(['5b21e18c58e2823a67a10dd8/rendered_depth_maps/00000003']);
    expect(s[0].rgbPath).toBe(join(root, '5b21e18c58e2823a67a10dd8/blended_images/00000003.jpg'));
    expect(s[0].rule).toEqual({ format: 'pfm' });
  });
  it('IRS: d_n.exr (disparity, f·B = 48) ↔ l_n.png', () => {
    const root = tree('irs', [
      'Home/ArchVizInterior03Data/d_1.exr',
      'Home/ArchVizInterior03Data/l_1.png',
      'Home/ArchVizInterior03Data/r_1.png',
      'Store/Shop/d_12.exr',
    ]);
    const s = listSamples('irs', root);
    expect(s.map((x) => x.id)).toEqual(['Home/ArchVizInterior03Data/d_1', 'Store/Shop/d_12']);
    expect(s[1].rgbPath).toBe(join(root, 'Store/Shop/l_12.png'));
    expect(s[0].rule).toEqual({ format: 'exr', disparityToDepth: 48 });
  });
  it('TartanAir full tree: env/Easy/P000/depth_left', () => {
    const root = tree('tartanair', [
      'abandonedfactory/Easy/P000/depth_left/000000_left_depth.npy',
      'abandonedfactory/Hard/P001/depth_left/000010_left_depth.npy',
      'abandonedfactory/Easy/P000/depth_right/000000_right_depth.npy',
    ]);
    const s = listSamples('tartanair', root);
    expect(s.map((x) => x.id)).toEqual(['abandonedfactory/Easy/P000/depth_left/000000_left_depth', 'abandonedfactory/Hard/P001/depth_left/000010_left_depth']);
    expect(s[0].rgbPath).toBe(join(root, 'abandonedfactory/Easy/P000/image_left/000000_left.png'));
  });
  it('Hypersim "rgb depth" split lines (the official train.txt shape) and the standard camera without a CSV', () => {
    const root = tree('hypersim', [
      'ai_001_001/images/scene_cam_00_geometry_hdf5/frame.0000.depth_meters.hdf5',
      'ai_001_001/images/scene_cam_00_geometry_hdf5/frame.0001.depth_meters.hdf5',
    ]);
    writeFileSync(
      join(tmp, 'hs_train.txt'),
      'ai_001_001/images/scene_cam_00_final_preview/frame.0001.tonemap.jpg ai_001_001/images/scene_cam_00_geometry_hdf5/frame.0001.depth_meters.hdf5\n',
    );
    const s = listSamples('hypersim', root, { split: join(tmp, 'hs_train.txt') });
    expect(s).toHaveLength(1);
    expect(s[0].id).toBe('ai_001_001/images/scene_cam_00_geometry_hdf5/frame.0001.depth_meters');
    expect(s[0].rule).toEqual({ format: 'hdf5', dataset: 'dataset', hypersimPlanar: true });
  });
  it('NYUv2 BTS layout and split file', () => {
    const root = tree('nyu', ['bathroom/rgb_00045.jpg', 'bathroom/sync_depth_00045.png', 'kitchen/rgb_00100.jpg', 'kitchen/sync_depth_00100.png']);
    expect(listSamples('nyuv2', root).map((x) => x.rgbPath)).toEqual([join(root, 'bathroom/rgb_00045.jpg'), join(root, 'kitchen/rgb_00100.jpg')]);
    writeFileSync(join(tmp, 'nyu_test.txt'), '/kitchen/rgb_00100.jpg /kitchen/sync_depth_00100.png 518.8579\n'.replace(/ \//g, ' ').replace(/^\//, ''));
    expect(listSamples('nyuv2', root, { split: join(tmp, 'nyu_test.txt') }).map((x) => x.id)).toEqual(['kitchen/sync_depth_00100']);
  });
  it('KITTI Eigen: raw + proj_depth/groundtruth trees, split lines with None skipped', () => {
    const raw = tree('kitti_raw', ['2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png']);
    const gt = tree('kitti_gt', ['2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/0000000069.png']);
    const walked = listSamples('kitti', raw, { depthRoot: gt });
    expect(walked).toHaveLength(1);
    expect(walked[0].rgbPath).toBe(join(raw, '2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png'));
    writeFileSync(
      join(tmp, 'eigen.txt'),
      [
        '2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png 2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/0000000069.png 721.5377',
        '2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000001.png None 721.5377',
      ].join('\n'),
    );
    const s = listSamples('kitti', raw, { depthRoot: gt, split: join(tmp, 'eigen.txt') });
    expect(s.map((x) => x.id)).toEqual(['2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/0000000069']);
    expect(s[0].depthPath).toBe(join(gt, '2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/0000000069.png'));
  });
  it('ETH3D: ground_truth_masked/dslr_images raw float32 6048×4032 ↔ images/dslr_images', () => {
    const root = tree('eth3d', ['courtyard/ground_truth_masked/dslr_images/DSC_0286.JPG', 'courtyard/images/dslr_images/DSC_0286.JPG']);
    const s = listSamples('eth3d', root);
    expect(s[0].rgbPath).toBe(join(root, 'courtyard/images/dslr_images/DSC_0286.JPG'));
    expect(s[0].rule).toEqual({ format: 'raw-f32', width: 6048, height: 4032 });
  });
  it('ScanNet: scene/depth/n.png (mm) ↔ scene/color/n.jpg', () => {
    const root = tree('scannet', ['scene0707_00/depth/000000.png', 'scene0707_00/color/000000.jpg', 'scene0707_00/depth/000100.png']);
    const s = listSamples('scannet', root);
    expect(s.map((x) => x.rgbPath)).toEqual([join(root, 'scene0707_00/color/000000.jpg'), join(root, 'scene0707_00/color/000100.jpg')]);
    expect(s[0].rule).toEqual({ format: 'png16', scale: 1000 });
  });
  it('DIODE: id_depth.npy + id_depth_mask.npy ↔ id.png', () => {
    const root = tree('diode', [
      'val/indoors/scene_00019/scan_00183/00019_00183_indoors_000_010.png',
      'val/indoors/scene_00019/scan_00183/00019_00183_indoors_000_010_depth.npy',
      'val/indoors/scene_00019/scan_00183/00019_00183_indoors_000_010_depth_mask.npy',
    ]);
    const s = listSamples('diode', root);
    expect(s).toHaveLength(1);
    expect(s[0].maskPath).toBe(join(root, 'val/indoors/scene_00019/scan_00183/00019_00183_indoors_000_010_depth_mask.npy'));
    expect(s[0].rgbPath).toBe(join(root, 'val/indoors/scene_00019/scan_00183/00019_00183_indoors_000_010.png'));
  });
  it('kept-list filter and unknown dataset error', () => {
    const s = listSamples('tartanair', data('tartanair_sample'));
    writeFileSync(join(tmp, 'kept.txt'), 'depth_left/000060_left_depth\n# comment\ndepth_left/000180_left_depth\n');
    expect(filterKept(s, readKeptList(join(tmp, 'kept.txt'))).map((x) => x.id)).toEqual(['depth_left/000060_left_depth', 'depth_left/000180_left_depth']);
    expect(() => listSamples('nope', tmp)).toThrow(/unknown dataset 'nope'/);
  });
});
