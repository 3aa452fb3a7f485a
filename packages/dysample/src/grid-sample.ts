import * as tf from '@tensorflow/tfjs-core';
import { gridSampleComposite } from './grid-sample-composite.js';
import { type GridSampleAttrs, type GridSampleMode, type GridSamplePadding, checkGridSampleShapes } from './grid-sample-impl.js';
import { GRID_SAMPLE, hasGridSampleKernel, registerGridSampleKernels } from './kernels.js';

export interface GridSampleOptions {
  /** 'bilinear' (default) or 'nearest' (round half to even, like PyTorch). */
  mode?: GridSampleMode;
  /** 'zeros' (default), 'border' or 'reflection'. */
  paddingMode?: GridSamplePadding;
  /** PyTorch's align_corners (default false): whether ±1 are the centres (true) or the outer edges (false) of the corner pixels. */
  alignCorners?: boolean;
  /**
   * Channel groups G (default 1). With G > 1 the grid is [B·G, Ho, Wo, 2] and channel group g of
   * image b (channels g·C/G … (g+1)·C/G − 1) is sampled at grid b·G + g: PyTorch's
   * `grid_sample(x.reshape(B·G, C/G, H, W), grid)` regrouped to [B, Ho, Wo, C], as in DySample,
   * without the two transposes.
   */
  groups?: number;
  /**
   * 'auto' (default) uses the dedicated kernel where the active backend has one (cpu, wasm,
   * webgpu) and the op composition elsewhere; 'kernel' requires the kernel; 'composite' forces
   * the composition (for testing).
   */
  implementation?: 'auto' | 'kernel' | 'composite';
}

const MODES: readonly GridSampleMode[] = ['bilinear', 'nearest'];
const PADDINGS: readonly GridSamplePadding[] = ['zeros', 'border', 'reflection'];

export function resolveAttrs(options: GridSampleOptions = {}): GridSampleAttrs {
  const mode = options.mode ?? 'bilinear';
  const paddingMode = options.paddingMode ?? 'zeros';
  if (!MODES.includes(mode)) throw new Error(`gridSample: mode must be one of ${MODES.join(', ')}, got '${mode}'`);
  if (!PADDINGS.includes(paddingMode)) {
    throw new Error(`gridSample: paddingMode must be one of ${PADDINGS.join(', ')}, got '${paddingMode}'`);
  }
  return { mode, paddingMode, alignCorners: options.alignCorners ?? false, groups: options.groups ?? 1 };
}

/**
 * PyTorch's `F.grid_sample` for 4-D inputs in NHWC layout: samples `input` [B, H, W, C] at the
 * normalised locations `grid` [B, Ho, Wo, 2] (or [B·G, Ho, Wo, 2] with `groups: G`) (`grid[..., 0]` = x, `grid[..., 1]` = y, -1..1 spanning
 * the image) and returns [B, Ho, Wo, C]. Differentiable with respect to both `input` and `grid`
 * (the grid gradient is zero for 'nearest'). Out-of-range and non-finite grid values never throw:
 * with 'zeros' padding a NaN/Inf coordinate samples 0; with 'border'/'reflection' NaN is clipped to
 * index 0, exactly as ATen does.
 */
export function gridSample(input: tf.Tensor4D | tf.Tensor, grid: tf.Tensor4D | tf.Tensor, options: GridSampleOptions = {}): tf.Tensor4D {
  const attrs = resolveAttrs(options);
  checkGridSampleShapes(input.shape, grid.shape, attrs.groups);
  registerGridSampleKernels();
  const impl = options.implementation ?? 'auto';
  const useKernel = impl === 'kernel' || (impl === 'auto' && hasGridSampleKernel());
  if (impl === 'kernel' && !hasGridSampleKernel()) {
    throw new Error(`gridSample: no ${GRID_SAMPLE} kernel for backend '${tf.getBackend()}' (kernels exist for cpu, wasm, webgpu)`);
  }
  return tf.tidy(() => {
    const x = (input.dtype === 'float32' ? input : tf.cast(input, 'float32')) as tf.Tensor4D;
    const g = (grid.dtype === 'float32' ? grid : tf.cast(grid, 'float32')) as tf.Tensor4D;
    if (!useKernel) return gridSampleComposite(x, g, attrs);
    return tf.engine().runKernel(GRID_SAMPLE, { x, grid: g }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  });
}
