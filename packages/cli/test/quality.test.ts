import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRecords, scoreDepthMap } from '@anydepth/data-quality';
import { encodePng } from '@anydepth/test-utils/png';
import { syntheticDepthMm } from '@anydepth/test-utils/synthetic-depth';
import { runCli } from '../src/main.js';

const tmp = mkdtempSync(join(tmpdir(), 'anydepth-quality-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// `anydepth quality …` in this process, through the same entry (errors, exit codes) as every other command.
async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['quality', ...args], { log: (s) => (stdout += `${s}\n`), error: (s) => (stderr += `${s}\n`) });
  return { code, stdout, stderr };
}

// A fabricated NYUv2 (BTS layout) root with 12 synthetic 16-bit PNGs and one corrupt file.
const root = join(tmp, 'nyu');
mkdirSync(join(root, 'scene'), { recursive: true });
const maps: Uint16Array[] = [];
for (let i = 0; i < 12; i++) {
  const m = syntheticDepthMm(64, 48, i);
  maps.push(m);
  writeFileSync(join(root, 'scene', `sync_depth_${String(i).padStart(5, '0')}.png`), encodePng(64, 48, 1, 16, m));
}
writeFileSync(join(root, 'scene', 'sync_depth_00099.png'), encodePng(64, 48, 1, 16, maps[0]).subarray(0, 60));

describe('anydepth quality score / filter', () => {
  it('scores a dataset root in the main thread; records equal scoreDepthMap; the corrupt file is an error record', async () => {
    const out = join(tmp, 'a.jsonl');
    const r = await cli(['score', root, '--dataset', 'nyuv2', '--out', out, '--workers', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scored 13 samples (1 unreadable)');
    const recs = parseRecords(readFileSync(out, 'utf8')).records;
    expect(recs).toHaveLength(13);
    const bad = recs.find((x) => x.id === 'scene/sync_depth_00099')!;
    expect('error' in bad && bad.error).toMatch(/png: truncated/);
    const r3 = recs.find((x) => x.id === 'scene/sync_depth_00003')!;
    expect(r3).toEqual({
      id: 'scene/sync_depth_00003',
      path: join(root, 'scene/sync_depth_00003.png'),
      dataset: 'nyuv2',
      ...scoreDepthMap(maps[3], 64, 48, { scale: 1000 }),
    });
  });

  it('worker threads give the same records; shards partition the samples; a re-run scores nothing new', async () => {
    const one = parseRecords(readFileSync(join(tmp, 'a.jsonl'), 'utf8')).records;
    const out = join(tmp, 'b.jsonl');
    expect((await cli(['score', root, '--dataset', 'nyuv2', '--out', out, '--workers', '2', '--shard', '0/2'])).code).toBe(0);
    expect((await cli(['score', root, '--dataset', 'nyuv2', '--out', out, '--workers', '2', '--shard', '1/2'])).code).toBe(0);
    const again = await cli(['score', root, '--dataset', 'nyuv2', '--out', out, '--workers', '2']);
    expect(again.stderr).toContain('13 already in');
    expect(again.stdout).toContain('scored 0 samples');
    const two = parseRecords(readFileSync(out, 'utf8')).records;
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect(two.slice().sort(byId)).toEqual(one.slice().sort(byId));
  });

  it('--max-depth, explicit files with --dataset custom --scale, and usage errors', async () => {
    const out = join(tmp, 'c.jsonl');
    const f = join(root, 'scene', 'sync_depth_00001.png');
    const r = await cli(['score', f, '--dataset', 'custom', '--scale', '1000', '--max-depth', '2', '--out', out, '--workers', '0']);
    expect(r.code).toBe(0);
    const [rec] = parseRecords(readFileSync(out, 'utf8')).records;
    expect(rec).toMatchObject(scoreDepthMap(maps[1], 64, 48, { scale: 1000, maxDepth: 2 }));
    const usage: Array<[string[], string]> = [
      [['score', root, '--out', out], 'anydepth: quality score needs --dataset <name>'],
      [['score', root, '--dataset', 'nope', '--out', out], "anydepth: quality: unknown dataset 'nope' (known: "],
      [['score', root, '--dataset', 'nyuv2', '--out', out, '--shard', '2/2'], "anydepth: quality: --shard must be i/n with 0 ≤ i < n, got '2/2'"],
      [['score', root, '--dataset', 'nyuv2', '--out', out, '--workers', 'two'], "anydepth: quality: --workers must be a number, got 'two'"],
      [['score', root, '--dataset', 'nyuv2', '--out', out, '--frobnicate'], "anydepth: Unknown option '--frobnicate'"],
      [['filter', join(tmp, 'missing.jsonl'), '--out', join(tmp, 'k.txt')], `anydepth: quality: no such file: ${join(tmp, 'missing.jsonl')}`],
      [['frobnicate'], "anydepth: quality: unknown subcommand 'frobnicate' (score or filter)"],
    ];
    for (const [args, message] of usage) {
      const u = await cli(args);
      expect(u.code, args.join(' ')).toBe(2);
      expect(u.stderr.startsWith(message), u.stderr).toBe(true);
    }
    expect((await cli([])).code).toBe(2);
    expect((await cli(['--help'])).stdout).toContain('anydepth quality score');
  });

  it('filter writes kept.txt, the Table 1 report and the SVG chart', async () => {
    const kept = join(tmp, 'kept.txt');
    const report = join(tmp, 'report.md');
    const chart = join(tmp, 'fig.svg');
    const r = await cli(['filter', join(tmp, 'a.jsonl'), '--out', kept, '--report', report, '--chart', chart]);
    expect(r.code).toBe(0);
    // 12 readable, all valid ≥ 0.2 (holes < 50 %): floor(0.2·12) = 2 per score → 2 to 4 dropped
    const ids = readFileSync(kept, 'utf8').trim().split('\n');
    expect(ids.length).toBeGreaterThanOrEqual(8);
    expect(ids.length).toBeLessThanOrEqual(10);
    const md = readFileSync(report, 'utf8');
    expect(md).toContain(`| nyuv2 | 13 | ${ids.length} | ${13 - ids.length} |`);
    expect(md).toContain('scene/sync_depth_00099');
    expect(readFileSync(chart, 'utf8')).toContain('nyuv2 (12)');
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]); // written atomically, no temporary left
  });
});
