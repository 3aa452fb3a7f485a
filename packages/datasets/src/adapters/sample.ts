import type { DepthRule } from '../rules.js';

/** One RGB-D sample of a dataset: paths are absolute (or as given), the rule says how to decode the depth. */
export interface Sample {
  /** Stable id, unique within the dataset (used by kept-lists and score files). */
  id: string;
  dataset: string;
  rgbPath: string;
  depthPath: string;
  rule: DepthRule;
  /** Optional separate validity mask file (DIODE `_depth_mask.npy`; nonzero = valid). */
  maskPath?: string;
}

export interface AdapterOptions {
  /**
   * A split/list file. Lines "rgb depth [...]" are paths relative to the dataset root (or `depthRoot` for the
   * depth column); single-token lines are dataset-specific (scene/pid names). Blank lines and '#' comments skip.
   */
  split?: string;
  /** KITTI: the ground-truth root when it differs from the raw-data root. */
  depthRoot?: string;
  /** Hypersim: path of metadata_camera_parameters.csv (default: <root>/metadata_camera_parameters.csv if present). */
  cameraCsv?: string;
}

export const TRAINING_DATASETS = ['hypersim', 'vkitti2', 'blendedmvs', 'irs', 'tartanair'] as const;
export const EVAL_DATASETS = ['nyuv2', 'kitti', 'eth3d', 'scannet', 'diode'] as const;
export type DatasetName = (typeof TRAINING_DATASETS)[number] | (typeof EVAL_DATASETS)[number];
