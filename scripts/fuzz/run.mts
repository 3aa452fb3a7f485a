/**
 * Fuzz harness: `npm run fuzz -- <parser|all> [--seconds N] [--inputs N] [--seed N] [--timeout-ms N] [--out DIR]`.
 *
 * Mutates valid seeds (generated, or read at run time from the shared data/fixtures) with format-aware and generic
 * mutators and runs each input in a child process (JS heap capped with --max-old-space-size, peak RSS measured per
 * input through /proc, a wall-clock limit per input). Outcomes: clean format error, accepted, crash (any other
 * exception, a wasm trap, or the child dying), hang (time limit), memory (peak RSS above 1 GiB for an input under
 * 10 MB), silent corruption (accepted although the input breaks a checksum or consistency rule of its format, see
 * oracles.mts). Inputs of the four bad classes are written to the output folder as reproducers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRng, mutate } from './mutators.mts';
import { violation } from './oracles.mts';
import { loadSeeds } from './seeds.mts';
import { PARSERS, type Parser } from './targets.mts';

const here = dirname(fileURLToPath(import.meta.url));
const MEMORY_LIMIT = 1024 * 1024 * 1024; // bytes of peak RSS above the child's idle level
const KILL_RSS = 3 * 1024 * 1024 * 1024; // a child above this is killed at once
const TRAP = /RuntimeError|unreachable|memory access out of bounds|Aborted\(|table index is out of bounds/;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const target = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !(i > 0 && all[i - 1].startsWith('--')));
if (!target || (target !== 'all' && !PARSERS.includes(target as Parser))) {
  console.error(`usage: npm run fuzz -- <${PARSERS.join('|')}|all> [--seconds N] [--inputs N] [--seed N] [--timeout-ms N] [--out DIR]`);
  process.exit(2);
}
const seconds = Number(arg('seconds', '60'));
const maxInputs = Number(arg('inputs', 'Infinity'));
const seed0 = Number(arg('seed', '1'));
const timeoutMs = Number(arg('timeout-ms', '5000'));
const outDir = resolve(arg('out', join(here, '../../fuzz-out')));

type Outcome = 'clean' | 'accepted' | 'crash' | 'hang' | 'memory' | 'silent';
interface Reply {
  id: number;
  ok: boolean;
  digest?: string;
  formatError?: boolean;
  name?: string;
  message?: string;
  stack?: string;
  ms: number;
}

function procStatus(pid: number, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** One child process that runs inputs one at a time; replaced after a crash, hang or memory kill. */
class Runner {
  private child: ChildProcess | undefined;
  private stderr = '';
  private baseline = 0;
  private next = 0;
  restarts = 0;

  constructor(private readonly parser: Parser) {}

  private async start(): Promise<void> {
    const child = fork(join(here, 'worker.mts'), [this.parser], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=1024', '--stack-size=984'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderr = '';
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    await new Promise<void>((res, rej) => {
      child.once('message', () => res());
      child.once('exit', (code) => rej(new Error(`fuzz worker exited during start (${code}): ${this.stderr}`)));
    });
    this.child = child;
    this.baseline = procStatus(child.pid!, 'VmRSS');
  }

  kill(): void {
    this.child?.removeAllListeners();
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.restarts++;
  }

  async run(parser: Parser, bytes: Uint8Array, limitMs = timeoutMs): Promise<{ reply?: Reply; died?: string; hang?: boolean; peak: number }> {
    if (!this.child) await this.start();
    const child = this.child!;
    const pid = child.pid!;
    const canMeasure = resetPeak(pid);
    const id = this.next++;
    let watch: NodeJS.Timeout | undefined;
    let timer: NodeJS.Timeout | undefined;
    const result = await new Promise<{ reply?: Reply; died?: string; hang?: boolean; killedForMemory?: boolean }>((res) => {
      const onMessage = (m: Reply) => m.id === id && done({ reply: m });
      const onExit = (code: number | null, signal: string | null) => done({ died: `exit ${code ?? signal}: ${this.stderr.slice(-600)}` });
      const done = (x: { reply?: Reply; died?: string; hang?: boolean; killedForMemory?: boolean }) => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        clearInterval(watch);
        clearTimeout(timer);
        res(x);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      timer = setTimeout(() => done({ hang: true }), limitMs);
      watch = setInterval(() => {
        if (procStatus(pid, 'VmRSS') > KILL_RSS) done({ killedForMemory: true });
      }, 25);
      child.send({ id, parser, bytes });
    });
    const peak = canMeasure ? Math.max(0, procStatus(pid, 'VmHWM') - this.baseline) : 0;
    if (result.killedForMemory) {
      this.kill();
      return { peak: KILL_RSS };
    }
    if (result.hang || result.died) this.kill();
    else if (procStatus(pid, 'VmRSS') > this.baseline + 512 * 1024 * 1024) this.kill(); // start afresh after a big input
    return { ...result, peak };
  }
}

interface Row {
  parser: Parser;
  inputs: number;
  clean: number;
  accepted: number;
  crash: number;
  hang: number;
  memory: number;
  silent: number;
  seeds: number;
  ms: number;
  /** Accepted inputs that break a checksum only in data the parser never reads (its output equals the seed's). */
  unreadCorrupt: number;
}

async function fuzzOne(parser: Parser): Promise<Row> {
  const seeds = await loadSeeds(parser);
  if (seeds.length === 0) throw new Error(`no seeds for ${parser} (is the shared folder there? set ANYDEPTH_SHARED)`);
  const runner = new Runner(parser);
  const row: Row = { parser, inputs: 0, clean: 0, accepted: 0, crash: 0, hang: 0, memory: 0, silent: 0, seeds: seeds.length, ms: 0, unreadCorrupt: 0 };
  const usable: Uint8Array[] = [];
  const seedDigest = new Map<Uint8Array, string>();
  for (const s of seeds) {
    const r = await runner.run(parser, s.bytes, 60_000);
    if (r.reply?.ok) {
      usable.push(s.bytes);
      seedDigest.set(s.bytes, r.reply.digest!);
    } else console.warn(`  seed ${s.name} is not accepted (${r.reply?.message ?? r.died ?? 'hang'}); left out`);
  }
  if (usable.length === 0) throw new Error(`${parser}: no seed is accepted`);
  const rng = makeRng(seed0 * 7919 + PARSERS.indexOf(parser));
  const t0 = Date.now();
  const saved: Record<string, number> = {};
  const save = (kind: Outcome, bytes: Uint8Array, info: object) => {
    const n = (saved[kind] = (saved[kind] ?? 0) + 1);
    if (n > 20) return;
    const dir = join(outDir, parser);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${kind}-${n}.bin`), bytes);
    writeFileSync(join(dir, `${kind}-${n}.json`), JSON.stringify(info, null, 2));
  };
  while (row.inputs < maxInputs && Date.now() - t0 < seconds * 1000) {
    const base = usable[Math.floor(rng() * usable.length)];
    const { bytes, desc } = mutate(parser, base, usable, rng);
    const r = await runner.run(parser, bytes);
    row.inputs++;
    let outcome: Outcome;
    let detail = '';
    if (r.hang) outcome = 'hang';
    else if (r.died) {
      outcome = /heap out of memory|Allocation failed/.test(r.died) ? 'memory' : 'crash';
      detail = r.died;
    } else if (!r.reply) {
      outcome = 'memory';
      detail = 'killed above the RSS cap';
    } else if (r.reply.ok) {
      const v = violation(parser, bytes);
      outcome = v ? 'silent' : 'accepted';
      detail = v ?? '';
      // A zip member the reader never opens (e.g. a .pth's `version` record) may fail its CRC without changing
      // anything decoded: counted apart, not as a silent corruption, when the output equals the seed's.
      if (v && (parser === 'pth' || parser === 'npz') && r.reply.digest === seedDigest.get(base)) {
        outcome = 'accepted';
        row.unreadCorrupt++;
      }
    } else if (r.reply.formatError && !TRAP.test(r.reply.message ?? '')) outcome = 'clean';
    else {
      outcome = 'crash';
      detail = `${r.reply.name}: ${r.reply.message}\n${r.reply.stack}`;
    }
    if (r.peak > MEMORY_LIMIT && bytes.length < 10 * 1024 * 1024 && outcome !== 'memory') {
      detail = `peak RSS +${(r.peak / 2 ** 20).toFixed(0)} MiB (${outcome})`;
      outcome = 'memory';
    }
    row[outcome]++;
    if (outcome !== 'clean' && outcome !== 'accepted') {
      save(outcome, bytes, { parser, outcome, mutation: desc, detail, peakMiB: Math.round(r.peak / 2 ** 20), ms: r.reply?.ms });
      console.log(`  ${parser}: ${outcome} — ${desc} — ${detail.split('\n')[0].slice(0, 200)}`);
    }
  }
  row.ms = Date.now() - t0;
  runner.kill();
  return row;
}

const parsers = target === 'all' ? [...PARSERS] : [target as Parser];
const rows: Row[] = [];
for (const p of parsers) {
  console.log(`fuzzing ${p} for up to ${seconds} s${Number.isFinite(maxInputs) ? ` / ${maxInputs} inputs` : ''} (per-input limit ${timeoutMs} ms)`);
  const row = await fuzzOne(p);
  rows.push(row);
  console.log(`  ${p}: ${row.inputs} inputs in ${(row.ms / 1000).toFixed(0)} s from ${row.seeds} seeds`);
  if (row.unreadCorrupt) console.log(`  ${p}: ${row.unreadCorrupt} accepted inputs break a CRC only in members the reader never reads (output unchanged)`);
}
const table = [
  '| parser | inputs | clean errors | accepted | crashes | hangs | memory | silent corruptions |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.parser} | ${r.inputs} | ${r.clean} | ${r.accepted} | ${r.crash} | ${r.hang} | ${r.memory} | ${r.silent} |`),
].join('\n');
console.log(`\n${table}`);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'summary.md'), `${table}\n`);
const bad = rows.reduce((s, r) => s + r.crash + r.hang + r.memory + r.silent, 0);
process.exit(bad > 0 ? 1 : 0);
