import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@anydepth/core/node';
import { isErrorRecord, parseRecords, type ScoreRecord, scoreDistributionSvg, selectSamples, selectionReport } from '@anydepth/data-quality';
import { collectJobs, defaultWorkers, resumeScores, scoreToFile } from '@anydepth/data-quality/node';
import { LAYOUTS, isDatasetName } from '@anydepth/datasets/node';
import { UsageError } from '../errors.js';
import { Progress } from '../progress.js';

export const QUALITY_HELP = `Usage: anydepth quality score <files... | dataset-root> --dataset <name> --out scores.jsonl [options]
       anydepth quality filter <scores.jsonl...> --out kept.txt [--report report.md] [--chart fig.svg] [options]

Scores depth maps with the Depth Distribution Score and the Gradient Continuity Score (spec data-quality.md) on
worker threads, resumably, and applies the paper's filtering rule (drop the worst 20 % per score and dataset).

score options:
  --dataset <name>      ${Object.keys(LAYOUTS).join(', ')}, or custom (format from the extension, PNG ÷ --scale)
  --out <file>          scores, one JSON line per sample; re-running with the same --out skips samples already in it
                        (resumable after a kill)
  --max-depth <m>       ignore depth beyond this (default: none)
  --workers <n>         worker threads, 0 = this thread (default: the number of cores)
  --shard <i/n>         score only every n-th sample starting at i
  --split <file>        split / file list of a dataset root
  --kept <file>         score only the ids of a kept-list
  --depth-root <dir>    KITTI: ground-truth root when separate from the raw data
  --camera-csv <file>   camera table of a layout that needs one
  --scale <s>           PNG depth scale (value ÷ s = metres)
  --bins <n>            histogram bins of the Depth Distribution Score (default 20)

filter options:
  --out <file>          kept sample ids, one a line (required)
  --report <file>       the per-dataset table (Table 1) as Markdown
  --chart <file>        score distributions with the thresholds as SVG
  --min-valid <r>       drop samples with fewer valid pixels than this fraction (default 0.2)
  --drop <f>            fraction dropped per score and dataset (default 0.2)
`;

const STRING_OPTIONS = [
  'dataset',
  'out',
  'max-depth',
  'workers',
  'shard',
  'split',
  'kept',
  'depth-root',
  'camera-csv',
  'scale',
  'bins',
  'report',
  'chart',
  'min-valid',
  'drop',
] as const;

const OPTIONS = {
  ...(Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: 'string' }])) as Record<(typeof STRING_OPTIONS)[number], { type: 'string' }>),
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
}

function num(values: Values, name: keyof Values): number | undefined {
  const v = values[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`quality: --${name} must be a number, got '${v}'`);
  return n;
}

async function score(files: string[], values: Values, log: (line: string) => void, error: (line: string) => void): Promise<number> {
  const { dataset, out, shard } = values;
  if (!dataset) throw new UsageError('quality score needs --dataset <name>');
  if (!out) throw new UsageError('quality score needs --out scores.jsonl');
  if (files.length === 0) throw new UsageError('quality score needs files or a dataset root');
  if (!isDatasetName(dataset) && dataset !== 'custom')
    throw new UsageError(`quality: unknown dataset '${dataset}' (known: ${Object.keys(LAYOUTS).join(', ')}, custom)`);
  if (files.length === 1 && !existsSync(files[0])) throw new UsageError(`quality: no such file or folder: ${files[0]}`);
  const workers = num(values, 'workers') ?? defaultWorkers();
  let jobs = collectJobs(files, dataset, {
    split: values.split,
    depthRoot: values['depth-root'],
    cameraCsv: values['camera-csv'],
    scale: num(values, 'scale'),
    kept: values.kept,
  });
  if (shard) {
    const m = /^(\d+)\/(\d+)$/.exec(shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError(`quality: --shard must be i/n with 0 ≤ i < n, got '${shard}'`);
    const [i, n] = [Number(m[1]), Number(m[2])];
    jobs = jobs.filter((_, k) => k % n === i);
  }
  const { done, truncated } = resumeScores(out);
  const todo = jobs.filter((j) => !done.has(j.id));
  error(
    `quality: ${jobs.length} samples${shard ? ` (shard ${shard})` : ''}, ${jobs.length - todo.length} already in ${out}` +
      `${truncated ? ` (dropped a torn last line of ${truncated} bytes)` : ''}, scoring ${todo.length} on ${workers || 'the main'} ${workers === 1 ? 'worker' : workers ? 'workers' : 'thread'}`,
  );
  const progress = new Progress(todo.length, 'quality score');
  const { errors } = await scoreToFile(todo, out, { workers, maxDepth: num(values, 'max-depth'), bins: num(values, 'bins'), onRecord: () => progress.tick() });
  log(`scored ${todo.length} samples (${errors} unreadable) → ${out}`);
  return 0;
}

function filter(files: string[], values: Values, log: (line: string) => void, error: (line: string) => void): number {
  const { out, report, chart } = values;
  if (!out) throw new UsageError('quality filter needs --out kept.txt');
  if (files.length === 0) throw new UsageError('quality filter needs one or more scores.jsonl files');
  const records: ScoreRecord[] = [];
  for (const f of files) {
    if (!existsSync(f)) throw new UsageError(`quality: no such file: ${f}`);
    const parsed = parseRecords(readFileSync(f, 'utf8'), f);
    if (parsed.tornBytes) error(`quality: ${f}: ignoring a torn last line (${parsed.tornBytes} bytes)`);
    records.push(...parsed.records);
  }
  const options = { minValidRatio: num(values, 'min-valid'), dropFraction: num(values, 'drop') };
  const selection = selectSamples(records, options);
  writeFileAtomic(out, selection.kept.map((r) => `${r.id}\n`).join(''));
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
    writeFileAtomic(chart, scoreDistributionSvg(records, { thresholds }));
  }
  if (report) writeFileAtomic(report, selectionReport(records, selection, options, chart));
  log(`kept ${selection.kept.length} of ${records.length} samples → ${out}${report ? `, report ${report}` : ''}${chart ? `, chart ${chart}` : ''}`);
  return 0;
}

/** `anydepth quality score|filter …`: the command line of the `@anydepth/data-quality` scorer and filter. */
export async function runQuality(argv: string[], log: (line: string) => void, error: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '-h' || sub === '--help' || sub === 'help') {
    log(QUALITY_HELP);
    return sub ? 0 : 2;
  }
  const { values, positionals } = parse(rest);
  if (values.help) {
    log(QUALITY_HELP);
    return 0;
  }
  if (sub === 'score') return score(positionals, values, log, error);
  if (sub === 'filter') return filter(positionals, values, log, error);
  throw new UsageError(`quality: unknown subcommand '${sub}' (score or filter)`);
}
