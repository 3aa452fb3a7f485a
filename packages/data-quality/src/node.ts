/**
 * The Node side of the library: the resumable multi-core scorer (worker threads, append-only JSON-lines output)
 * and the job list of a score run. The `anydepth quality` command of `@anydepth/cli` is its command line.
 */
export { collectJobs, type CollectOptions } from './jobs.js';
export { defaultWorkers, scoreJobs } from './pool.js';
export { resumeScores, scoreToFile, type ScoreToFileOptions, type ScoreToFileResult } from './score-file.js';
export { scoreSample, type SampleScoreOptions, type ScoreJob } from './score-sample.js';
