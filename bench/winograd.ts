/**
 * Our Winograd F(4×4, 3×3) WebAssembly SIMD conv (`registerInferenceKernels`, @anydepth/kernels) against the
 * stock tfjs-backend-wasm XNNPACK conv, on the SDT head's shapes: the fused 3×3 conv + bias + ReLU of
 * [1, 192, 192, 256] → 256 and [1, 384, 384, 256] → 256, and the AnyDepth-S SDT head (random weights, fused
 * inference: the model's default) on 384 px features.
 *
 * XNNPACK's thread count is fixed per process, so the parent spawns one child per XNNPACK mode — 1 thread
 * (`useBackend('wasm')`) and 2 threads (`useThreadedWasm`) — alternating them round by round; inside each child the
 * variants are alternated case by case: stock (XNNPACK), ours on 1 thread, ours on 2 threads (our pool is
 * independent of XNNPACK's, so both run in one process). Medians of wall time; CPU time of the process beside it
 * (on a loaded machine wall time includes waiting for a core).
 *
 *   npx turbo run build --filter=@anydepth/model... --filter=@anydepth/kernels...
 *   npx tsx bench/winograd.ts [--cases conv192,conv384,head384] [--xnn 1,2] [--ours 1,2] [--rounds 2] [--runs 1]
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@anydepth/core';
import { useThreadedWasm } from '@anydepth/core/node';
import { registerInferenceKernels, unregisterInferenceKernels, winogradState } from '@anydepth/kernels';
import { createAnyDepth } from '@anydepth/model';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const CASES = ['conv192', 'conv384', 'head384'] as const;
type Case = (typeof CASES)[number];
/** Multiply-adds × 2 of a 3×3 256 → 256 conv at S × S. */
const convFlop = (s: number) => 2 * 9 * s * s * 256 * 256;

interface Sample {
  wall: number;
  cpu: number;
}
type Times = Record<string, Sample[]>; // `${variant}.${case}`

async function timed(f: () => tf.Tensor | tf.Tensor[]): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = f();
  const list = Array.isArray(out) ? out : [out];
  await list[list.length - 1].data();
  tf.dispose(list);
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** 'stock' = XNNPACK; 'ours1' / 'ours2' = the Winograd kernel on 1 / 2 threads. */
async function useVariant(v: string): Promise<void> {
  if (v === 'stock') unregisterInferenceKernels();
  else if ((await registerInferenceKernels({ threads: Number(v.slice(4)) })).length === 0 && !winogradState.pool) {
    throw new Error('the Winograd kernel cannot run here (no WebAssembly SIMD / shared memory)');
  }
}

async function child(xnn: number, variants: string[], cases: Case[], runs: number): Promise<void> {
  tf.env().set('IS_TEST', true);
  if (xnn > 1) await useThreadedWasm({ threads: xnn });
  else await useBackend('wasm');
  const fns: Partial<Record<Case, () => tf.Tensor | tf.Tensor[]>> = {};
  const keep: tf.Tensor[] = [];
  const filter = tf.randomNormal([3, 3, 256, 256], 0, 0.03, 'float32', 1) as tf.Tensor4D;
  const bias = tf.randomNormal([256], 0, 0.1, 'float32', 2) as tf.Tensor1D;
  keep.push(filter, bias);
  for (const s of [192, 384]) {
    const k = `conv${s}` as Case;
    if (!cases.includes(k)) continue;
    const x = tf.randomNormal([1, s, s, 256], 0, 1, 'float32', 3) as tf.Tensor4D;
    keep.push(x);
    fns[k] = () => tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' });
  }
  let dispose = () => {};
  if (cases.includes('head384')) {
    const model = createAnyDepth('anydepth-vits16').eval();
    const image = tf.randomNormal([1, 384, 384, 3], 0, 1, 'float32', 7);
    const features = model.encode(image);
    image.dispose();
    fns.head384 = () => model.forwardFeatures(features);
    dispose = () => {
      tf.dispose(features.flatMap((f) => [f.patches, f.cls]));
      model.dispose();
    };
  }
  // Warm-up: every variant once per case (XNNPACK packs weights, our pool starts, filters are transformed).
  for (const c of cases) {
    for (const v of variants) {
      await useVariant(v);
      await timed(fns[c]!);
    }
  }
  const times: Times = {};
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      for (const v of variants) {
        await useVariant(v);
        const calls = winogradState.calls;
        const t = await timed(fns[c]!);
        if (v !== 'stock' && winogradState.calls === calls) throw new Error(`${v} ${c}: the Winograd kernel did not run`);
        (times[`${v}.${c}`] ??= []).push(t);
      }
    }
  }
  unregisterInferenceKernels();
  dispose();
  tf.dispose(keep);
  console.log(`RESULT ${JSON.stringify({ xnn, times, maxRssMb: process.resourceUsage().maxRSS / 1024 })}`);
}

async function parent(): Promise<void> {
  const cases = opt('cases', CASES.join(',')).split(',') as Case[];
  if (cases.some((c) => !CASES.includes(c))) throw new Error(`--cases: choose from ${CASES.join(', ')}`);
  const xnnModes = opt('xnn', '1,2').split(',').map(Number);
  const ours = opt('ours', '1,2')
    .split(',')
    .map((t) => `ours${t}`);
  const variants = ['stock', ...ours];
  const rounds = Number(opt('rounds', '2'));
  const runs = Number(opt('runs', '1'));
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`node ${process.version}, ${availableParallelism()} cores, load average ${load()}`);
  const self = fileURLToPath(import.meta.url);
  const all = new Map<number, Times>();
  for (let round = 0; round < rounds; round++) {
    for (const xnn of xnnModes) {
      const r = spawnSync(
        process.execPath,
        [...process.execArgv, self, '--child', '--xnn', String(xnn), '--variants', variants.join(','), '--cases', cases.join(','), '--runs', String(runs)],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        },
      );
      if (r.status !== 0) throw new Error(`child (XNNPACK ${xnn} thread(s)) failed (${r.status}): ${r.stderr.slice(-2000)}`);
      const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`child printed no result:\n${r.stdout}`);
      const res = JSON.parse(line.slice(7)) as { times: Times; maxRssMb: number };
      const acc = all.get(xnn) ?? {};
      for (const [k, t] of Object.entries(res.times)) (acc[k] ??= []).push(...t);
      all.set(xnn, acc);
      console.log(
        `  round ${round + 1}, XNNPACK ${xnn} thread(s): ${Object.entries(res.times)
          .map(([k, t]) => `${k} ${t.map((s) => s.wall.toFixed(2)).join('/')}`)
          .join(', ')} s; peak RSS ${res.maxRssMb.toFixed(0)} MB; load ${load()}`,
      );
    }
  }
  console.log('\n| case | XNNPACK threads | variant | wall (s) | CPU (s) | GFLOP/s (wall) | stock / this (wall) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const c of cases) {
    for (const xnn of xnnModes) {
      const t = all.get(xnn)!;
      const stock = median(t[`stock.${c}`].map((s) => s.wall));
      for (const v of variants) {
        const wall = median(t[`${v}.${c}`].map((s) => s.wall));
        const cpu = median(t[`${v}.${c}`].map((s) => s.cpu));
        const gflop = c.startsWith('conv') ? (convFlop(Number(c.slice(4))) / wall / 1e9).toFixed(1) : '–';
        console.log(
          `| ${c} | ${xnn} | ${v === 'stock' ? 'stock XNNPACK' : `Winograd ${v.slice(4)} thr`} | ${wall.toFixed(3)} | ${cpu.toFixed(3)} | ${gflop} | ${(stock / wall).toFixed(2)}× |`,
        );
      }
    }
    if (xnnModes.includes(1) && xnnModes.length > 1) {
      const top = Math.max(...xnnModes);
      const stock1 = median(all.get(1)![`stock.${c}`].map((s) => s.wall));
      const stockN = median(all.get(top)![`stock.${c}`].map((s) => s.wall));
      const bestOurs = Math.min(...ours.map((v) => median(all.get(top)![`${v}.${c}`].map((s) => s.wall))));
      console.log(
        `| ${c} | | stock ${top} thr vs stock 1 thr: ${(stock1 / stockN).toFixed(2)}×; best Winograd (XNNPACK ${top} thr process) vs stock ${top} thr: ${(stockN / bestOurs).toFixed(2)}× | | | | |`,
      );
    }
  }
  console.log(
    `\nGFLOP/s = 2 · 9 · H · W · 256 · 256 / wall (direct-convolution count). Medians of ${rounds} round(s) × ${runs} run(s); load average at the end ${load()}.`,
  );
}

if (args.includes('--child')) {
  await child(Number(opt('xnn', '1')), opt('variants', 'stock').split(','), opt('cases', CASES.join(',')).split(',') as Case[], Number(opt('runs', '1')));
} else await parent();
