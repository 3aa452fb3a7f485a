/**
 * End-to-end scorer throughput, the way users run it: `anydepth quality score <folder> --dataset custom --scale 1000`
 * over N real 480×640 16-bit depth PNGs on disk (copies of the NYU / Open3D / TUM files of ../shared/data in a
 * temporary folder, deleted afterwards), file reads, worker threads and the fsync'd JSONL output included.
 * Prints maps per second on 1 worker and on all cores (medians of --repeats runs) and their ratio.
 * Run from the repo root after building: npx turbo run build --filter=@anydepth/cli... && npx tsx bench/quality-cli.ts
 * Options: --maps 3000, --repeats 3.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MAPS = arg('maps', 3000);
const REPEATS = arg('repeats', 3);
const require = createRequire(import.meta.url);
const bin = join(dirname(require.resolve('@anydepth/cli/package.json')), 'dist', 'bin.js');
const shared = process.env.ANYDEPTH_SHARED ?? new URL('../../shared', import.meta.url).pathname;
const sources = [
  'nyu_metric3d/depth/sync_depth_00000.png',
  'nyu_metric3d/depth/sync_depth_00050.png',
  'nyu_metric3d/depth/sync_depth_00100.png',
  'open3d_rgbd/depth/00000.png',
  'open3d_rgbd/depth/00001.png',
  'open3d_rgbd/depth/00002.png',
  'open3d_rgbd/other_formats/TUM_depth.png',
].map((f) => join(shared, 'data', f));

const dir = mkdtempSync(join(tmpdir(), 'anydepth-quality-cli-'));
try {
  const maps = join(dir, 'maps');
  mkdirSync(maps);
  for (let i = 0; i < MAPS; i++) copyFileSync(sources[i % sources.length], join(maps, `m${String(i).padStart(6, '0')}.png`));
  // Read every file once so the first timed run does not pay for a cold page cache alone.
  for (let i = 0; i < MAPS; i++) readFileSync(join(maps, `m${String(i).padStart(6, '0')}.png`));

  const run = (workers: number): number => {
    const out = join(dir, `scores-${workers}.jsonl`);
    rmSync(out, { force: true });
    const t0 = performance.now();
    execFileSync(process.execPath, [bin, 'quality', 'score', maps, '--dataset', 'custom', '--scale', '1000', '--out', out, '--workers', String(workers)], {
      stdio: 'ignore',
    });
    const seconds = (performance.now() - t0) / 1000;
    const lines = readFileSync(out, 'utf8').trim().split('\n').length;
    if (lines !== MAPS) throw new Error(`expected ${MAPS} records, got ${lines}`);
    return MAPS / seconds;
  };
  const cores = availableParallelism();
  const median = (v: number[]) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const one: number[] = [];
  const all: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    one.push(run(1));
    all.push(run(cores));
  }
  console.log(
    `quality-cli bench: ${MAPS} real 480×640 16-bit PNGs on disk, ${REPEATS} runs each, node ${process.version}, process start (the whole anydepth CLI) included`,
  );
  console.log(`1 worker: ${median(one).toFixed(1)} maps/s (runs ${one.map((x) => x.toFixed(1)).join(', ')})`);
  console.log(`${cores} workers: ${median(all).toFixed(1)} maps/s (runs ${all.map((x) => x.toFixed(1)).join(', ')})`);
  console.log(`scaling ${cores} workers / 1 worker: ${(median(all) / median(one)).toFixed(2)}×; load average now ${loadavg()[0].toFixed(1)}`);
  console.log(
    `goal ≥ 150 maps/s on 2 cores: ${median(all) >= 150 ? 'met' : 'NOT met'}; 584K samples at this rate ≈ ${(584000 / median(all) / 3600).toFixed(2)} h`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
