/** A rectangle of rows [top, bottom) and columns [left, right) (end-exclusive). */
export interface CropRect {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The evaluation rules of one benchmark (evaluation.md; Marigold's dataset configs). */
export interface DatasetPreset {
  name: string;
  /** Valid GT is strictly inside (minDepth, maxDepth); predictions are clipped to [minDepth, maxDepth]. */
  minDepth: number;
  maxDepth: number;
  /** The evaluation crop for a GT map of this size (after the KB crop where that applies), or null. */
  evalCrop: ((height: number, width: number) => CropRect) | null;
  /** KITTI: raw frames (larger than 352×1216) are first cut to the 352×1216 KB crop. */
  kbCrop: boolean;
  /** Fit the alignment on a nearest-downsampled copy no larger than this (ETH3D: 1024). */
  alignmentMaxResolution?: number;
  /** DIODE: a dataset mask file is part of the valid mask; evaluateDepth refuses to run without `mask`. */
  requiresMask: boolean;
}

/** The evaluation datasets, spelled as everywhere in AnyDepth (the dataset adapters, the quality scorer, the CLI). */
export type DatasetName = 'nyuv2' | 'kitti' | 'eth3d' | 'scannet' | 'diode';

/** Older spellings still accepted, each with a one-time note naming the current one. */
export const DATASET_ALIASES = { nyu: 'nyuv2' } as const satisfies Record<string, DatasetName>;
export type DatasetAlias = keyof typeof DATASET_ALIASES;

const notedAliases = new Set<string>();

/**
 * The dataset name for `name`, which may be an alias (`nyu` → `nyuv2`): an alias is accepted and reported once
 * through `note` (default `console.warn`); an unknown name throws, listing the known ones.
 */
export function canonicalDatasetName(name: string, note: (message: string) => void = console.warn): DatasetName {
  if (Object.hasOwn(DATASETS, name)) return name as DatasetName;
  if (Object.hasOwn(DATASET_ALIASES, name)) {
    const canonical = DATASET_ALIASES[name as DatasetAlias];
    if (!notedAliases.has(name)) {
      notedAliases.add(name);
      note(`dataset '${name}' is spelled '${canonical}' in AnyDepth; '${name}' is accepted as an alias`);
    }
    return canonical;
  }
  throw new Error(`unknown dataset '${name}' (known: ${Object.keys(DATASETS).join(', ')}; or pass a DatasetPreset)`);
}

/** KB crop size (Garg/Eigen KITTI benchmark). */
export const KB_CROP_HEIGHT = 352;
export const KB_CROP_WIDTH = 1216;

/** The 352×1216 KB crop of a raw KITTI frame: top = H − 352, left = ⌊(W − 1216)/2⌋. */
export function kbCropRect(height: number, width: number): CropRect {
  if (height < KB_CROP_HEIGHT || width < KB_CROP_WIDTH) {
    throw new Error(`KB crop needs a frame of at least ${KB_CROP_HEIGHT}×${KB_CROP_WIDTH}, got ${height}×${width}`);
  }
  const top = height - KB_CROP_HEIGHT;
  const left = Math.floor((width - KB_CROP_WIDTH) / 2);
  return { top, bottom: top + KB_CROP_HEIGHT, left, right: left + KB_CROP_WIDTH };
}

/** NYUv2 Eigen crop: rows 45..470, cols 41..600 on 480×640, scaled proportionally for other sizes. */
export function nyuEigenCrop(height: number, width: number): CropRect {
  return {
    top: Math.floor((45 * height) / 480),
    bottom: Math.floor((471 * height) / 480),
    left: Math.floor((41 * width) / 640),
    right: Math.floor((601 * width) / 640),
  };
}

/** KITTI Eigen crop on the (KB-cropped) GT: rows [⌊0.3324324·H⌋, ⌊0.91351351·H⌋), cols [⌊0.0359477·W⌋, ⌊0.96405229·W⌋). */
export function kittiEigenCrop(height: number, width: number): CropRect {
  return {
    top: Math.floor(0.3324324 * height),
    bottom: Math.floor(0.91351351 * height),
    left: Math.floor(0.0359477 * width),
    right: Math.floor(0.96405229 * width),
  };
}

export const DATASETS: Readonly<Record<DatasetName, DatasetPreset>> = {
  nyuv2: { name: 'nyuv2', minDepth: 1e-3, maxDepth: 10, evalCrop: nyuEigenCrop, kbCrop: false, requiresMask: false },
  kitti: { name: 'kitti', minDepth: 1e-5, maxDepth: 80, evalCrop: kittiEigenCrop, kbCrop: true, requiresMask: false },
  eth3d: { name: 'eth3d', minDepth: 1e-5, maxDepth: Infinity, evalCrop: null, kbCrop: false, alignmentMaxResolution: 1024, requiresMask: false },
  scannet: { name: 'scannet', minDepth: 1e-3, maxDepth: 10, evalCrop: null, kbCrop: false, requiresMask: false },
  diode: { name: 'diode', minDepth: 0.6, maxDepth: 350, evalCrop: null, kbCrop: false, requiresMask: true },
};

/** Display names used by the Table-2 formatter. */
export const DATASET_LABELS: Readonly<Record<DatasetName, string>> = {
  nyuv2: 'NYUv2',
  kitti: 'KITTI',
  eth3d: 'ETH3D',
  scannet: 'ScanNet',
  diode: 'DIODE',
};

export function resolveDataset(dataset: DatasetName | DatasetAlias | DatasetPreset | undefined): DatasetPreset {
  if (dataset === undefined) {
    return { name: 'custom', minDepth: 0, maxDepth: Infinity, evalCrop: null, kbCrop: false, requiresMask: false };
  }
  if (typeof dataset === 'string') {
    return DATASETS[canonicalDatasetName(dataset)];
  }
  if (!(dataset.minDepth < dataset.maxDepth))
    throw new Error(`dataset ${dataset.name}: minDepth ${dataset.minDepth} must be below maxDepth ${dataset.maxDepth}`);
  return dataset;
}
