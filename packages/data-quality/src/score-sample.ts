import { DecodeError, decodePng, type DepthRule } from '@anydepth/datasets';
import { nodeInflate, readSampleDepth, type Sample } from '@anydepth/datasets/node';
import { readFile } from 'node:fs/promises';
import type { ScoreRecord } from './records.js';
import { scoreDepthMap } from './score.js';

/** Options the scorer applies to every sample (plain JSON: sent to worker threads). */
export interface SampleScoreOptions {
  maxDepth?: number;
  bins?: number;
}

export type ScoreJob = Pick<Sample, 'id' | 'depthPath' | 'rule' | 'maskPath'> & { dataset?: string };

function isPlainPng16(rule: DepthRule): rule is Extract<DepthRule, { format: 'png16' }> {
  return rule.format === 'png16' && !rule.sunBitRotate && (rule.invalidValue ?? 0) === 0 && rule.disparityToDepth === undefined;
}

/**
 * Decodes and scores one sample; never throws: unreadable files become `{ id, path, error }` records.
 * Plain 16-bit PNG depth is scored from the raw integers divided by the scale in float64 (no float32 rounding).
 */
export async function scoreSample(job: ScoreJob, options: SampleScoreOptions = {}): Promise<ScoreRecord> {
  const base = { id: job.id, path: job.depthPath, ...(job.dataset !== undefined ? { dataset: job.dataset } : {}) };
  try {
    const rule = job.rule;
    let maxDepth = options.maxDepth;
    if (rule.invalidAbove !== undefined) maxDepth = Math.min(maxDepth ?? Infinity, rule.invalidAbove);
    if (isPlainPng16(rule) && !job.maskPath) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(job.depthPath));
      } catch (e) {
        throw new DecodeError('file', `cannot read ${job.depthPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const img = decodePng(bytes, { inflate: nodeInflate });
      if (img.bitDepth !== 16 || img.channels !== 1) {
        throw new DecodeError('png', `expected a 16-bit single-channel depth PNG, got ${img.bitDepth}-bit with ${img.channels} channel(s)`);
      }
      return { ...base, ...scoreDepthMap(img.data, img.width, img.height, { scale: rule.scale, maxDepth, bins: options.bins }) };
    }
    const map = await readSampleDepth(job);
    return { ...base, ...scoreDepthMap(map.data, map.width, map.height, { mask: map.valid, maxDepth, bins: options.bins }) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ...base, error: msg.length > 500 ? `${msg.slice(0, 500)}…` : msg };
  }
}
