import { guessRule, type DepthRule } from '@anydepth/datasets';
import { filterKept, isDatasetName, LAYOUTS, listSamples, readKeptList, walkFiles } from '@anydepth/datasets/node';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileSync, renameSync } from 'node:fs';
import { scoreDistributionSvg } from './chart.js';
import { defaultWorkers, scoreJobs } from './pool.js';
import { Progress } from './progress.js';
import { formatRecord, isErrorRecord, parseRecords, type ScoreRecord } from './records.js';
import { selectionReport } from './report.js';
import type { ScoreJob } from './score-sample.js';
import { selectSamples } from './select.js';

const USAGE = `anydepth-quality — depth-map quality scores and filtering (data-quality.md)

  anydepth-quality score <files... | dataset-root> --dataset <name> --out scores.jsonl
        [--max-depth 100] [--workers N] [--shard i/n] [--split list.txt] [--kept kept.txt]
        [--depth-root dir] [--camera-csv file] [--scale s] [--bins 20]
      datasets: ${Object.keys(LAYOUTS).join(', ')}, or 'custom' (format from the extension, PNG ÷ --scale).
      Re-running with the same --out skips samples already in it (resumable after a kill).
  anydepth-quality filter <scores.jsonl...> --out kept.txt --report report.md [--chart fig.svg]
        [--min-valid 0.2] [--drop 0.2]
`;

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags.set(a.slice(2), argv[++i]);
      else flags.set(a.slice(2), true);
    } else positional.push(a);
  }
  return { positional, flags };
}

class UsageError extends Error {}

function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

function num(p: Parsed, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${v}'`);
  return n;
}

const DEPTH_EXT = /\.(png|npy|npz|pfm|exr|hdf5|h5|pgm)$/i;

/** Builds the job list of a score run (deterministic order). */
export function collectJobs(inputs: string[], dataset: string, p: { split?: string; depthRoot?: string; cameraCsv?: string; scale?: number; kept?: string }): ScoreJob[] {
  let jobs: ScoreJob[];
  const known = isDatasetName(dataset);
  if (known && inputs.length === 1 && statSync(inputs[0]).isDirectory()) {
    jobs = listSamples(dataset, inputs[0], { split: p.split, depthRoot: p.depthRoot, cameraCsv: p.cameraCsv }).map((s) => ({
      id: s.id, dataset, depthPath: s.depthPath, rule: s.rule, ...(s.maskPath ? { maskPath: s.maskPath } : {}),
    }));
  } else {
    const files: string[] = [];
    for (const input of inputs) {
      if (existsSync(input) && statSync(input).isDirectory()) files.push(...walkFiles(input, (r) => (known ? LAYOUTS[dataset].depth.test(r) : DEPTH_EXT.test(r))));
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
    if (seen.has(j.id)) throw new UsageError(`duplicate sample id '${j.id}'`);
    seen.add(j.id);
  }
  return jobs;
}

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

async function scoreCommand(p: Parsed, io: CliIo): Promise<number> {
  const dataset = str(p, 'dataset');
  const out = str(p, 'out');
  if (!dataset) throw new UsageError('score needs --dataset <name>');
  if (!out) throw new UsageError('score needs --out scores.jsonl');
  if (p.positional.length === 0) throw new UsageError('score needs files or a dataset root');
  if (!isDatasetName(dataset) && dataset !== 'custom') throw new UsageError(`unknown dataset '${dataset}' (known: ${Object.keys(LAYOUTS).join(', ')}, custom)`);
  if (p.positional.length === 1 && !existsSync(p.positional[0])) throw new UsageError(`no such file or folder: ${p.positional[0]}`);
  const workers = num(p, 'workers') ?? defaultWorkers();
  const shard = str(p, 'shard');
  let jobs = collectJobs(p.positional, dataset, {
    split: str(p, 'split'), depthRoot: str(p, 'depth-root'), cameraCsv: str(p, 'camera-csv'), scale: num(p, 'scale'), kept: str(p, 'kept'),
  });
  if (shard) {
    const m = /^(\d+)\/(\d+)$/.exec(shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError(`--shard must be i/n with 0 ≤ i < n, got '${shard}'`);
    const [i, n] = [Number(m[1]), Number(m[2])];
    jobs = jobs.filter((_, k) => k % n === i);
  }
  const { done, truncated } = resumeScores(out);
  const todo = jobs.filter((j) => !done.has(j.id));
  io.stderr.write(
    `anydepth-quality: ${jobs.length} samples${shard ? ` (shard ${shard})` : ''}, ${jobs.length - todo.length} already in ${out}` +
      `${truncated ? ` (dropped a torn last line of ${truncated} bytes)` : ''}, scoring ${todo.length} on ${workers || 'the main'} ${workers === 1 ? 'worker' : workers ? 'workers' : 'thread'}\n`,
  );
  const fd = openSync(out, 'a');
  const progress = new Progress(todo.length, io.stderr);
  let pending: string[] = [];
  let lastFlush = Date.now();
  let errors = 0;
  // Whole lines only, one write per flush, then fsync: a kill leaves at most one torn line, dropped on resume.
  const flush = () => {
    if (pending.length === 0) return;
    writeSync(fd, pending.join(''));
    fsyncSync(fd);
    pending = [];
    lastFlush = Date.now();
  };
  try {
    await scoreJobs(todo, { maxDepth: num(p, 'max-depth'), bins: num(p, 'bins') }, workers, (r: ScoreRecord) => {
      if (isErrorRecord(r)) errors++;
      pending.push(`${formatRecord(r)}\n`);
      if (pending.length >= 64 || Date.now() - lastFlush >= 200) flush();
      progress.tick();
    });
    flush();
  } finally {
    flush();
    closeSync(fd);
  }
  progress.finish();
  io.stdout.write(`scored ${todo.length} samples (${errors} unreadable) → ${out}\n`);
  return 0;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function filterCommand(p: Parsed, io: CliIo): Promise<number> {
  const out = str(p, 'out');
  const report = str(p, 'report');
  const chart = str(p, 'chart');
  if (!out) throw new UsageError('filter needs --out kept.txt');
  if (p.positional.length === 0) throw new UsageError('filter needs one or more scores.jsonl files');
  const records: ScoreRecord[] = [];
  for (const f of p.positional) {
    if (!existsSync(f)) throw new UsageError(`no such file: ${f}`);
    const parsed = parseRecords(readFileSync(f, 'utf8'), f);
    if (parsed.tornBytes) io.stderr.write(`${f}: ignoring a torn last line (${parsed.tornBytes} bytes)\n`);
    records.push(...parsed.records);
  }
  const options = { minValidRatio: num(p, 'min-valid'), dropFraction: num(p, 'drop') };
  const selection = selectSamples(records, options);
  writeAtomic(out, selection.kept.map((r) => `${r.id}\n`).join(''));
  if (chart) {
    const thresholds = new Map<string, { distScore?: number; gradScore?: number }>();
    records.forEach((r, i) => {
      const why = selection.reasons[i];
      if (isErrorRecord(r) || !why || why === 'validity' || why === 'unreadable') return;
      const d = r.dataset ?? 'all';
      const t = thresholds.get(d) ?? {};
      if (why === 'dist' || why === 'both') t.distScore = Math.max(t.distScore ?? -Infinity, r.distScore);
      if (why === 'grad' || why === 'both') t.gradScore = Math.max(t.gradScore ?? -Infinity, r.gradScore);
      thresholds.set(d, t);
    });
    writeAtomic(chart, scoreDistributionSvg(records, { thresholds }));
  }
  if (report) writeAtomic(report, selectionReport(records, selection, options, chart));
  const kept = selection.kept.length;
  io.stdout.write(`kept ${kept} of ${records.length} samples → ${out}${report ? `, report ${report}` : ''}${chart ? `, chart ${chart}` : ''}\n`);
  return Promise.resolve(0);
}

/**
 * The `quality` command line (also wrapped by the main `anydepth` CLI as `anydepth quality ...`).
 * Returns the exit code; never calls process.exit.
 */
export async function runQualityCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(USAGE);
      return command ? 0 : 1;
    }
    const p = parseArgs(rest);
    if (p.flags.has('help')) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (command === 'score') return await scoreCommand(p, io);
    if (command === 'filter') return await filterCommand(p, io);
    throw new UsageError(`unknown command '${command}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`anydepth-quality: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`anydepth-quality: ${(e as Error).message}\n`);
    return 1;
  }
}
