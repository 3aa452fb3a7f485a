import { fitScaleShift, nearestIndices } from './alignment.js';
import {
  type CropRect,
  type DatasetAlias,
  type DatasetName,
  type DatasetPreset,
  KB_CROP_HEIGHT,
  KB_CROP_WIDTH,
  kbCropRect,
  resolveDataset,
} from './datasets.js';
import { type DepthMetrics, METRIC_KEYS, computeDepthMetrics } from './metrics.js';
import { cropMap, resizeBilinear } from './resize.js';

/**
 * - `'disparity'` (default; for disparity regressors such as AnyDepth / DAv2): fit the prediction to
 *   1/gt by least squares, clip the aligned disparity to ≥ 1e-3, depth = 1/disparity.
 * - `'depth'`: fit the prediction to gt depth directly (Marigold `least_square`).
 * - `'none'`: the prediction is metric depth.
 */
export type Alignment = 'disparity' | 'depth' | 'none';

export interface EvaluateDepthOptions {
  /** GT width and height; `gt` (and `mask`) hold height·width row-major values. */
  width: number;
  height: number;
  /** Size of `pred` when it differs from the GT: it is resized bilinearly (half-pixel centres) to the GT. */
  predWidth?: number;
  predHeight?: number;
  /** Benchmark rules (range, crop, KB crop, mask requirement). Default: range (0, ∞), no crop. */
  dataset?: DatasetName | DatasetAlias | DatasetPreset;
  /** Override the dataset's depth range. */
  minDepth?: number;
  maxDepth?: number;
  /** Default 'disparity'. */
  alignment?: Alignment;
  /** Extra validity mask at the GT size (non-zero/true = valid), e.g. DIODE's mask file. */
  mask?: ArrayLike<number | boolean>;
  /** Apply the dataset's evaluation crop (Eigen crop for NYUv2 / KITTI). Default true. */
  crop?: boolean;
  /**
   * KITTI KB crop. 'auto' (default): applied when the dataset uses it and the GT is a raw frame larger
   * than 352×1216. The prediction is KB-cropped too when it has the raw frame's size; otherwise it is
   * taken to cover the cropped region (predicted from the KB-cropped image) and resized to 352×1216.
   */
  kbCrop?: boolean | 'auto';
  /** Fit the alignment on a nearest-downsampled copy no larger than this (Marigold `alignment_max_res`). Default: the dataset's (ETH3D 1024). */
  alignmentMaxResolution?: number | null;
  /** Also return the aligned, clipped depth map (at the evaluated size). */
  returnDepth?: boolean;
}

export interface DepthEvaluation extends DepthMetrics {
  /** The alignment's scale and shift (1, 0 for 'none'). */
  scale: number;
  shift: number;
  /** Pixels the metrics were computed over. */
  validPixels: number;
  /** Pixels the alignment was fitted on. */
  fitPixels: number;
  /** The alignment's normal equations were singular (no fit pixels, or a constant prediction). */
  alignmentDegenerate: boolean;
  /** Non-finite (NaN/±Inf) values in the prediction; they are excluded from the masks. */
  nonFinitePred: number;
  /** Non-finite values in the ground truth; they are excluded from the masks. */
  nonFiniteGt: number;
  /** Size the metrics were computed at (after the KB crop). */
  width: number;
  height: number;
  /** True when no pixel was valid: every metric is NaN and `reason` says why; accumulators skip it. */
  skipped: boolean;
  reason?: string;
  /** Aligned and clipped depth (when `returnDepth`). */
  depth?: Float64Array;
}

function checkSize(label: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`evaluateDepth: ${label} must be a positive integer, got ${value}`);
}

function countNonFinite(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) n++;
  return n;
}

/**
 * Evaluates one depth prediction against ground truth following evaluation.md: valid mask (finite GT
 * strictly inside the dataset range, the crop, the dataset mask, a finite prediction), bilinear resize
 * to the GT size, least-squares alignment in disparity (default), depth or no space, clipping to the
 * dataset range and to ≥ 1e-6, then the metrics over the valid pixels, all in float64.
 */
export function evaluateDepth(pred: ArrayLike<number>, gt: ArrayLike<number>, options: EvaluateDepthOptions): DepthEvaluation {
  const { width, height } = options;
  checkSize('width', width);
  checkSize('height', height);
  const predWidth = options.predWidth ?? width;
  const predHeight = options.predHeight ?? height;
  checkSize('predWidth', predWidth);
  checkSize('predHeight', predHeight);
  if (gt.length !== width * height)
    throw new Error(`evaluateDepth: gt has ${gt.length} values, expected height×width = ${height}×${width} = ${width * height}`);
  if (pred.length !== predWidth * predHeight) {
    throw new Error(
      `evaluateDepth: pred has ${pred.length} values, expected ${predHeight}×${predWidth} = ${predWidth * predHeight} (set predWidth/predHeight when the prediction's size differs from the GT's)`,
    );
  }
  if (options.mask && options.mask.length !== width * height) {
    throw new Error(`evaluateDepth: mask has ${options.mask.length} values, expected the GT size ${height}×${width} = ${width * height}`);
  }
  const alignment = options.alignment ?? 'disparity';
  if (alignment !== 'disparity' && alignment !== 'depth' && alignment !== 'none') {
    throw new Error(`evaluateDepth: alignment must be 'disparity', 'depth' or 'none', got '${alignment as string}'`);
  }
  const preset = resolveDataset(options.dataset);
  const minDepth = options.minDepth ?? preset.minDepth;
  const maxDepth = options.maxDepth ?? preset.maxDepth;
  if (!(minDepth < maxDepth)) throw new Error(`evaluateDepth: minDepth ${minDepth} must be below maxDepth ${maxDepth}`);
  if (preset.requiresMask && !options.mask) {
    throw new Error(`evaluateDepth: dataset ${preset.name} defines validity by its mask file; pass it as options.mask`);
  }

  const nonFinitePred = countNonFinite(pred);
  const nonFiniteGt = countNonFinite(gt);

  // 1. KB crop (KITTI raw frames).
  let h = height;
  let w = width;
  let gtMap: ArrayLike<number> = gt;
  let extraMask: ArrayLike<number | boolean> | undefined = options.mask;
  let predMap: ArrayLike<number> = pred;
  let ph = predHeight;
  let pw = predWidth;
  const kbOption = options.kbCrop ?? 'auto';
  const isRaw = h >= KB_CROP_HEIGHT && w >= KB_CROP_WIDTH && (h !== KB_CROP_HEIGHT || w !== KB_CROP_WIDTH);
  if (preset.kbCrop && (kbOption === true || (kbOption === 'auto' && isRaw))) {
    const rect = kbCropRect(h, w); // throws for frames smaller than the crop
    gtMap = cropMap(gt, w, rect);
    if (extraMask) extraMask = cropMap(Array.from(extraMask, Number), w, rect);
    if (ph === h && pw === w) {
      predMap = cropMap(pred, pw, rect);
      ph = KB_CROP_HEIGHT;
      pw = KB_CROP_WIDTH;
    }
    h = KB_CROP_HEIGHT;
    w = KB_CROP_WIDTH;
  }

  // 2. Resize the prediction to the GT size.
  const p: ArrayLike<number> = ph === h && pw === w ? predMap : resizeBilinear(predMap, ph, pw, h, w);

  // 3. Valid mask.
  const crop: CropRect | null = options.crop === false || !preset.evalCrop ? null : preset.evalCrop(h, w);
  const n = h * w;
  const valid = new Uint8Array(n);
  let validPixels = 0;
  for (let y = 0; y < h; y++) {
    if (crop && (y < crop.top || y >= crop.bottom)) continue;
    for (let x = 0; x < w; x++) {
      if (crop && (x < crop.left || x >= crop.right)) continue;
      const i = y * w + x;
      const g = gtMap[i];
      if (!(Number.isFinite(g) && g > minDepth && g < maxDepth)) continue;
      if (extraMask && !extraMask[i]) continue;
      if (!Number.isFinite(p[i])) continue;
      valid[i] = 1;
      validPixels++;
    }
  }

  // 4. Alignment.
  const depth = new Float64Array(n);
  let scale = 1;
  let shift = 0;
  let fitPixels = 0;
  let alignmentDegenerate = false;
  if (alignment !== 'none') {
    const target = new Float64Array(n);
    const use = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (alignment === 'disparity') {
        const g = gtMap[i];
        target[i] = g > 0 ? 1 / g : 0;
        use[i] = valid[i] && g > 0 && p[i] > 0 ? 1 : 0;
      } else {
        target[i] = gtMap[i];
        use[i] = valid[i];
      }
    }
    const maxRes = options.alignmentMaxResolution === undefined ? preset.alignmentMaxResolution : (options.alignmentMaxResolution ?? undefined);
    const factor = maxRes ? Math.min(maxRes / h, maxRes / w) : 1;
    let fit;
    if (factor < 1) {
      // Fit on a nearest-downsampled copy (Marigold max_resolution); apply to the full map.
      const rows = nearestIndices(h, factor);
      const cols = nearestIndices(w, factor);
      const m = rows.length * cols.length;
      const xs = new Float64Array(m);
      const ys = new Float64Array(m);
      const us = new Uint8Array(m);
      let k = 0;
      for (const r of rows) {
        for (const c of cols) {
          const i = r * w + c;
          xs[k] = p[i];
          ys[k] = target[i];
          us[k] = use[i];
          k++;
        }
      }
      fit = fitScaleShift(xs, ys, us);
    } else {
      fit = fitScaleShift(p, target, use);
    }
    scale = fit.scale;
    shift = fit.shift;
    fitPixels = fit.count;
    alignmentDegenerate = fit.degenerate;
    for (let i = 0; i < n; i++) {
      const aligned = scale * p[i] + shift;
      depth[i] = alignment === 'disparity' ? 1 / Math.max(aligned, 1e-3) : aligned;
    }
  } else {
    for (let i = 0; i < n; i++) depth[i] = p[i];
  }

  // 5. Clip to the dataset range, then to ≥ 1e-6.
  for (let i = 0; i < n; i++) depth[i] = Math.max(Math.min(Math.max(depth[i], minDepth), maxDepth), 1e-6);

  const metrics = computeDepthMetrics(depth, gtMap, valid);
  const base = {
    scale,
    shift,
    validPixels,
    fitPixels,
    alignmentDegenerate,
    nonFinitePred,
    nonFiniteGt,
    width: w,
    height: h,
    ...(options.returnDepth ? { depth } : {}),
  };
  if (!metrics) {
    const nan = Object.fromEntries(METRIC_KEYS.map((k) => [k, Number.NaN])) as unknown as DepthMetrics;
    return { ...nan, ...base, skipped: true, reason: `no valid pixel (GT in (${minDepth}, ${maxDepth}), crop, mask and finite prediction)` };
  }
  return { ...metrics, ...base, skipped: false };
}
