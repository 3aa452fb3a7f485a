import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScoreRecord } from './records.js';
import { scoreSample, type SampleScoreOptions, type ScoreJob } from './score-sample.js';

/** Where the worker script lives: dist/worker.js when built, src/worker.ts (through tsx) when run from source. */
function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Running from source (tests, tsx): register the tsx loader inside the worker, then load worker.ts.
    const tsxDir = dirname(createRequire(here).resolve('tsx/package.json'));
    const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
    const entry = new URL('./worker.ts', here).href;
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(new URL(here.endsWith('.cjs') ? './worker.cjs' : './worker.js', here));
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Scores jobs on `workers` threads (0 = in this thread), calling `onRecord` in completion order.
 * At most two jobs are in flight per worker, so memory stays bounded for any number of jobs.
 */
export async function scoreJobs(jobs: ScoreJob[], options: SampleScoreOptions, workers: number, onRecord: (r: ScoreRecord) => void): Promise<void> {
  if (workers <= 0) {
    for (const job of jobs) onRecord(await scoreSample(job, options));
    return;
  }
  const n = Math.max(1, Math.min(workers, jobs.length));
  let next = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    if (jobs.length === 0) return resolve();
    const pool: Worker[] = [];
    const finish = (err?: Error) => {
      for (const w of pool) void w.terminate();
      if (err) reject(err);
      else resolve();
    };
    const feed = (w: Worker) => {
      if (next < jobs.length) {
        const seq = next++;
        w.postMessage({ seq, job: jobs[seq], options });
      }
    };
    for (let i = 0; i < n; i++) {
      const w = startWorker();
      pool.push(w);
      w.on('message', (m: { seq: number; record: ScoreRecord }) => {
        onRecord(m.record);
        done++;
        if (done === jobs.length) finish();
        else feed(w);
      });
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => {
        if (done < jobs.length && code !== 0) finish(new Error(`scorer worker exited with code ${code}`));
      });
      feed(w);
      feed(w);
    }
  });
}
