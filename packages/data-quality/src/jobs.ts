import { type DepthRule, guessRule } from '@anydepth/datasets';
import { LAYOUTS, filterKept, isDatasetName, listSamples, readKeptList, walkFiles } from '@anydepth/datasets/node';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ScoreJob } from './score-sample.js';

export interface CollectOptions {
  /** Split / file list of a dataset root (default: the dataset's standard one). */
  split?: string;
  /** KITTI: ground-truth root when separate from the raw data. */
  depthRoot?: string;
  cameraCsv?: string;
  /** PNG depth scale (value ÷ scale = metres) for loose files; overrides a layout's PNG scale. */
  scale?: number;
  /** A kept-list (`anydepth quality filter --out`): only these ids. */
  kept?: string;
}

const DEPTH_EXT = /\.(png|npy|npz|pfm|exr|hdf5|h5|pgm)$/i;

/**
 * Builds the job list of a score run, in a deterministic order: a dataset root of a known layout (`nyuv2`, …) when
 * `inputs` is one folder, otherwise depth files (folders are walked) with the format from the layout or the extension
 * (`dataset` 'custom'). Throws on a duplicate sample id, naming it.
 */
export function collectJobs(inputs: string[], dataset: string, p: CollectOptions = {}): ScoreJob[] {
  let jobs: ScoreJob[];
  const known = isDatasetName(dataset);
  if (known && inputs.length === 1 && statSync(inputs[0]).isDirectory()) {
    jobs = listSamples(dataset, inputs[0], { split: p.split, depthRoot: p.depthRoot, cameraCsv: p.cameraCsv }).map((s) => ({
      id: s.id,
      dataset,
      depthPath: s.depthPath,
      rule: s.rule,
      ...(s.maskPath ? { maskPath: s.maskPath } : {}),
    }));
  } else {
    const files: string[] = [];
    for (const input of inputs) {
      if (existsSync(input) && statSync(input).isDirectory())
        files.push(...walkFiles(input, (r) => (known ? LAYOUTS[dataset].depth.test(r) : DEPTH_EXT.test(r))));
      else files.push(input);
    }
    jobs = files.map((f) => {
      let rule: DepthRule = known ? LAYOUTS[dataset].rule(f.replace(/\\/g, '/'), { root: '' }) : guessRule(f, p.scale ?? 1);
      if (p.scale !== undefined && rule.format === 'png16') rule = { ...rule, scale: p.scale };
      return { id: f.replace(/\.[^./\\]+$/, ''), dataset, depthPath: resolve(f), rule };
    });
  }
  if (p.kept) jobs = filterKept(jobs, readKeptList(p.kept));
  const seen = new Set<string>();
  for (const j of jobs) {
    if (seen.has(j.id)) throw new Error(`duplicate sample id '${j.id}'`);
    seen.add(j.id);
  }
  return jobs;
}
