import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { scoreJobs } from './pool.js';
import { formatRecord, isErrorRecord, parseRecords, type ScoreRecord } from './records.js';
import type { SampleScoreOptions, ScoreJob } from './score-sample.js';

/** Reads the ids already in a scores file, truncating a torn last line left by a killed run. */
export function resumeScores(out: string): { done: Set<string>; truncated: number } {
  const done = new Set<string>();
  if (!existsSync(out)) return { done, truncated: 0 };
  const text = readFileSync(out, 'utf8');
  const { records, validBytes, tornBytes } = parseRecords(text, out);
  if (tornBytes > 0) truncateSync(out, validBytes);
  for (const r of records) done.add(r.id);
  return { done, truncated: tornBytes };
}

export interface ScoreToFileOptions extends SampleScoreOptions {
  /** Worker threads (0 = this thread). */
  workers: number;
  /** Called once per record, in completion order, after it is queued for writing (progress bars). */
  onRecord?: (r: ScoreRecord) => void;
}

export interface ScoreToFileResult {
  scored: number;
  /** Records that are error records (unreadable files). */
  errors: number;
}

/**
 * Scores `jobs` and appends one JSON line per record to `out`. Whole lines only, one write per flush (every 64 records
 * or 200 ms), then fsync: a kill leaves at most one torn line, which `resumeScores` drops on the next run.
 */
export async function scoreToFile(jobs: ScoreJob[], out: string, options: ScoreToFileOptions): Promise<ScoreToFileResult> {
  const { workers, onRecord, ...scoreOptions } = options;
  const fd = openSync(out, 'a');
  let pending: string[] = [];
  let lastFlush = Date.now();
  let errors = 0;
  const flush = () => {
    if (pending.length === 0) return;
    writeSync(fd, pending.join(''));
    fsyncSync(fd);
    pending = [];
    lastFlush = Date.now();
  };
  try {
    await scoreJobs(jobs, scoreOptions, workers, (r) => {
      if (isErrorRecord(r)) errors++;
      pending.push(`${formatRecord(r)}\n`);
      if (pending.length >= 64 || Date.now() - lastFlush >= 200) flush();
      onRecord?.(r);
    });
  } finally {
    flush();
    closeSync(fd);
  }
  return { scored: jobs.length, errors };
}
