import { type Intrinsics, intrinsicsFromFov } from '@anydepth/core';

export interface PointCloudOptions {
  intrinsics?: Intrinsics;
  /** Used when `intrinsics` is absent (default 60°). */
  fovDegrees?: number;
  /** RGB or RGBA colours per pixel, 8 bits. */
  colors?: Uint8Array | Uint8ClampedArray;
  colorChannels?: 3 | 4;
  /** Keep every n-th pixel in each direction (default 1). */
  stride?: number;
}

/**
 * A binary little-endian PLY point cloud from a metric (or relative) depth map: each finite,
 * positive depth back-projects to (x, y, z) = ((u − cx)·z/fx, (v − cy)·z/fy, z), OpenCV axes.
 */
export function encodePly(depth: Float32Array, width: number, height: number, options: PointCloudOptions = {}): Uint8Array {
  const K = options.intrinsics ?? intrinsicsFromFov(width, height, options.fovDegrees ?? 60);
  const stride = Math.max(1, Math.floor(options.stride ?? 1));
  const colors = options.colors;
  const cc = options.colorChannels ?? 3;
  const kept: number[] = [];
  for (let v = 0; v < height; v += stride)
    for (let u = 0; u < width; u += stride) {
      const z = depth[v * width + u];
      if (Number.isFinite(z) && z > 0) kept.push(v * width + u);
    }
  const props = ['property float x', 'property float y', 'property float z'];
  if (colors) props.push('property uchar red', 'property uchar green', 'property uchar blue');
  const header = [
    'ply',
    'format binary_little_endian 1.0',
    'comment made by @anydepth/model',
    `element vertex ${kept.length}`,
    ...props,
    'end_header',
    '',
  ].join('\n');
  const headBytes = new TextEncoder().encode(header);
  const vertexBytes = 12 + (colors ? 3 : 0);
  const out = new Uint8Array(headBytes.length + kept.length * vertexBytes);
  out.set(headBytes);
  const view = new DataView(out.buffer);
  let o = headBytes.length;
  for (const i of kept) {
    const u = i % width;
    const v = (i - u) / width;
    const z = depth[i];
    view.setFloat32(o, ((u - K.cx) * z) / K.fx, true);
    view.setFloat32(o + 4, ((v - K.cy) * z) / K.fy, true);
    view.setFloat32(o + 8, z, true);
    if (colors) {
      out[o + 12] = colors[i * cc];
      out[o + 13] = colors[i * cc + 1];
      out[o + 14] = colors[i * cc + 2];
    }
    o += vertexBytes;
  }
  return out;
}
