import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRecords, type ScoreRecord } from '@anydepth/data-quality';
import { encodePng } from '@anydepth/test-utils/png';
import { syntheticDepthMm } from '@anydepth/test-utils/synthetic-depth';

// `anydepth quality score` as a real child process (from source through the tsx loader), killed with SIGKILL mid-run.
const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '../src/bin.ts');
const tsx = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href;

const tmp = mkdtempSync(join(tmpdir(), 'anydepth-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const N = 200;
const W = 320;
const H = 240;
const files = join(tmp, 'maps');
mkdirSync(files);
for (let i = 0; i < N; i++) writeFileSync(join(files, `d${String(i).padStart(4, '0')}.png`), encodePng(W, H, 1, 16, syntheticDepthMm(W, H, i)));

function run(out: string, workers: number, killWhenLines?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; linesAtKill?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', tsx, bin, 'quality', 'score', files, '--dataset', 'custom', '--scale', '1000', '--out', out, '--workers', String(workers)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    let linesAtKill: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (killWhenLines !== undefined) {
      timer = setInterval(() => {
        if (!existsSync(out)) return;
        const lines = readFileSync(out, 'utf8').split('\n').length - 1;
        if (lines >= killWhenLines) {
          clearInterval(timer);
          linesAtKill = lines;
          child.kill('SIGKILL');
        }
      }, 5);
    }
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      if (code !== 0 && signal === null) reject(new Error(`scorer exited ${code}: ${err}`));
      else resolve({ code, signal, linesAtKill });
    });
  });
}

const sorted = (rs: ScoreRecord[]) => rs.slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

describe('kill-and-resume', () => {
  it(`SIGKILL twice mid-run, restart: ${N} records identical to an uninterrupted run, none missing, none duplicated`, async () => {
    const reference = join(tmp, 'reference.jsonl');
    expect((await run(reference, 2)).code).toBe(0);
    const ref = parseRecords(readFileSync(reference, 'utf8')).records;
    expect(ref).toHaveLength(N);

    const out = join(tmp, 'killed.jsonl');
    const first = await run(out, 2, 30);
    expect(first.signal).toBe('SIGKILL');
    const afterFirst = parseRecords(readFileSync(out, 'utf8')).records.length;
    expect(afterFirst).toBeLessThan(N); // really killed mid-run
    const second = await run(out, 1, afterFirst + 40);
    expect(second.signal).toBe('SIGKILL');
    // Simulate a write torn by the kill: half a record without its newline.
    appendFileSync(out, '{"id":"d0199","path":"/x","width":3');
    const sizeBefore = statSync(out).size;
    expect((await run(out, 2)).code).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(sizeBefore - 40);

    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const got = parseRecords(text);
    expect(got.tornBytes).toBe(0);
    const ids = got.records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length); // none duplicated
    expect(ids).toHaveLength(N); // none missing
    expect(sorted(got.records)).toEqual(sorted(ref)); // identical records
  });
});
