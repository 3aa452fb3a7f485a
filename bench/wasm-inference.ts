/**
 * AnyDepth-S (DINOv3 ViT-S/16 + SDT head, C = 256, random weights: speed does not depend on them) on the
 * wasm backend, per stage (encoder, head, whole model) and size, with 1 and N XNNPACK threads, and the
 * issue-17 yardstick (ONNX Runtime, 2 threads, same machine) printed beside it.
 *
 * Two graphs are compared inside each process, alternated stage by stage (stock, fast, stock, fast, …):
 *   stock — the layer-by-layer graph as before issue 17 (`setInferenceFusion(false)`, no row bands);
 *   fast  — fused inference (BatchNorm folded, bias + ReLU in the conv) and the model's default execution.
 * The thread count of tfjs-backend-wasm is fixed per process, so the parent spawns one child per
 * (threads, size) and alternates them round by round (1, N, 1, N, …) so machine-load drift hits both;
 * each child reports the per-stage times of its runs and its peak RSS. Medians over all runs.
 * threads = 1 is the stock single-threaded backend (`useBackend('wasm')`), N > 1 `useThreadedWasm`.
 *
 *   npx turbo run build --filter=@anydepth/model...
 *   npx tsx bench/wasm-inference.ts [--sizes 384,768] [--threads 1,2] [--variants stock,fast] [--stages encoder,head,whole] [--rounds 2] [--runs 1] [--profile 384]
 *
 * --profile S: one extra child (N threads) at size S prints where the time goes, by tfjs kernel (tf.profile).
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { setInferenceFusion, useBackend } from '@anydepth/core';
import { useThreadedWasm } from '@anydepth/core/node';
import { type AnyDepth, createAnyDepth } from '@anydepth/model';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const STAGES = ['encoder', 'head', 'whole'] as const;
type Stage = (typeof STAGES)[number];

/** The issue-17 table (seconds; ORT and PyTorch: 2 threads on this 2-core machine), the yardstick until bench/onnx-runtime lands. */
const ISSUE_TABLE: Record<number, Record<Stage, { ort: number; wasm: number }>> = {
  384: { encoder: { ort: 0.34, wasm: 1.37 }, head: { ort: 2.77, wasm: 17.9 }, whole: { ort: 2.9, wasm: 19.9 } },
  768: { encoder: { ort: 1.2, wasm: 7.96 }, head: { ort: 12.3, wasm: 73.4 }, whole: { ort: 12.1, wasm: 78.6 } },
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const VARIANTS = ['stock', 'fast'] as const;
type Variant = (typeof VARIANTS)[number];
type Times = Record<string, number[]>; // `${variant}.${stage}` → seconds

interface ChildResult {
  threads: number;
  size: number;
  times: Times;
  maxRssMb: number;
}

/** Seconds of one call, reading the result back so the work is done. */
async function timed(f: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const t0 = performance.now();
  const out = f();
  const list = Array.isArray(out) ? out : [out];
  await list[list.length - 1].data();
  tf.dispose(list);
  return (performance.now() - t0) / 1000;
}

/** Switches the model between the stock and the fast graph. */
function useVariant(model: AnyDepth, variant: Variant): void {
  setInferenceFusion(variant === 'fast');
  model.tiling = variant === 'fast' ? {} : 'off';
}

async function child(threads: number, size: number, runs: number, variants: Variant[], stages: Stage[], profile: boolean): Promise<void> {
  tf.env().set('IS_TEST', true);
  if (threads > 1) await useThreadedWasm({ threads });
  else await useBackend('wasm');
  const model: AnyDepth = createAnyDepth('anydepth-vits16').eval();
  // Warm-up at a small size: kernel setup and weight packing, not the big allocations.
  const small = tf.zeros([1, 64, 64, 3]);
  for (const v of variants) {
    useVariant(model, v);
    tf.dispose(model.forward(small));
  }
  small.dispose();
  const image = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 7);
  const features = model.encode(image);
  const stageFns: Record<Stage, () => tf.Tensor | tf.Tensor[]> = {
    encoder: () => model.encode(image).flatMap((f) => [f.patches, f.cls]),
    head: () => model.forwardFeatures(features),
    whole: () => model.forward(image),
  };
  if (profile) {
    useVariant(model, variants[variants.length - 1]);
    const info = await tf.profile(async () => {
      const out = stageFns.whole() as tf.Tensor;
      await out.data();
      out.dispose();
    });
    const byKernel = new Map<string, { ms: number; n: number }>();
    let total = 0;
    for (const k of info.kernels) {
      const ms = Number(k.kernelTimeMs) || 0;
      const conv = /Conv2D$/.test(k.name) ? ` ${k.inputShapes[1]?.join('×')} @ ${k.inputShapes[0]?.slice(1, 3).join('×')}` : '';
      const key = `${k.name}${conv}`;
      const e = byKernel.get(key) ?? { ms: 0, n: 0 };
      e.ms += ms;
      e.n++;
      byKernel.set(key, e);
      total += ms;
    }
    console.log(
      `profile (${variants[variants.length - 1]}): whole model ${size} px, ${threads} thread(s): ${(total / 1000).toFixed(2)} s in ${info.kernels.length} kernels; peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MB of tensors`,
    );
    for (const [k, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 16)) {
      console.log(`  ${((100 * e.ms) / total).toFixed(1).padStart(5)} %  ${(e.ms / 1000).toFixed(2).padStart(6)} s  ×${String(e.n).padStart(3)}  ${k}`);
    }
    return;
  }
  const times: Times = {};
  for (let r = 0; r < runs; r++) {
    for (const s of stages) {
      for (const v of variants) {
        useVariant(model, v);
        (times[`${v}.${s}`] ??= []).push(await timed(stageFns[s]));
      }
    }
  }
  tf.dispose(features.flatMap((f) => [f.patches, f.cls]));
  const result: ChildResult = { threads, size, times, maxRssMb: process.resourceUsage().maxRSS / 1024 };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

async function parent(): Promise<void> {
  const sizes = opt('sizes', '384').split(',').map(Number);
  const threadCounts = opt('threads', `1,${availableParallelism()}`).split(',').map(Number);
  const rounds = Number(opt('rounds', '2'));
  const runs = Number(opt('runs', '1'));
  const profileSize = args.includes('--profile') ? Number(opt('profile', '384')) : 0;
  const variants = opt('variants', VARIANTS.join(','));
  const stageList = opt('stages', STAGES.join(','));
  const stages = stageList.split(',') as Stage[];
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`node ${process.version}, ${availableParallelism()} cores, load average ${load()}`);
  const self = fileURLToPath(import.meta.url);
  const spawnChild = (extra: string[]) => {
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--child', ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`child ${extra.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
    return r.stdout;
  };
  if (profileSize)
    process.stdout.write(spawnChild(['--threads', String(Math.max(...threadCounts)), '--size', String(profileSize), '--variants', variants, '--profile']));
  const results = new Map<string, ChildResult>();
  for (const size of sizes) {
    for (let round = 0; round < rounds; round++) {
      for (const threads of threadCounts) {
        const out = spawnChild(['--threads', String(threads), '--size', String(size), '--runs', String(runs), '--variants', variants, '--stages', stageList]);
        const line = out.split('\n').find((l) => l.startsWith('RESULT '));
        if (!line) throw new Error(`child printed no result:\n${out}`);
        const r = JSON.parse(line.slice(7)) as ChildResult;
        const key = `${threads}@${size}`;
        const acc = results.get(key);
        if (!acc) results.set(key, r);
        else {
          for (const [k, t] of Object.entries(r.times)) acc.times[k].push(...t);
          acc.maxRssMb = Math.max(acc.maxRssMb, r.maxRssMb);
        }
        console.log(
          `  round ${round + 1}: ${threads} thread(s) ${size} px: ${Object.entries(r.times)
            .map(([k, t]) => `${k} ${t.map((x) => x.toFixed(2)).join('/')}`)
            .join(', ')} s; peak RSS ${r.maxRssMb.toFixed(0)} MB`,
        );
      }
    }
  }
  const vs = variants.split(',');
  const first = vs[0];
  const last = vs[vs.length - 1];
  const base = threadCounts[0];
  const top = threadCounts[threadCounts.length - 1];
  const cols = threadCounts.flatMap((t) => vs.map((v) => ({ t, v })));
  console.log(
    `\n| stage | size | ${cols.map(({ t, v }) => `${v} ${t} thr (s)`).join(' | ')} | ${first} ${base} thr / ${last} ${top} thr | issue wasm (s) | issue ORT 2 thr (s) | ${last} ${top} thr / ORT |`,
  );
  console.log(`|---|---|${cols.map(() => '---|').join('')}---|---|---|---|`);
  for (const size of sizes) {
    for (const s of stages) {
      const m = cols.map(({ t, v }) => median(results.get(`${t}@${size}`)!.times[`${v}.${s}`]));
      const ref = ISSUE_TABLE[size]?.[s];
      const ours = m[m.length - 1];
      console.log(
        `| ${s} | ${size} | ${m.map((x) => x.toFixed(2)).join(' | ')} | ${(m[0] / ours).toFixed(2)}× | ${ref ? ref.wasm.toFixed(2) : '–'} | ${ref ? ref.ort.toFixed(2) : '–'} | ${ref ? `${(ours / ref.ort).toFixed(1)}×` : '–'} |`,
      );
    }
  }
  console.log(
    `\npeak RSS per child (all variants and stages of one process): ${[...results.entries()].map(([k, r]) => `${k} px ${r.maxRssMb.toFixed(0)} MB`).join(', ')}`,
  );
  console.log(`\nload average at the end ${load()} (medians of ${rounds} round(s) × ${runs} run(s) per stage; RSS = the child process's peak)`);
}

if (args.includes('--child')) {
  const variants = opt('variants', VARIANTS.join(',')).split(',') as Variant[];
  if (variants.some((v) => !VARIANTS.includes(v))) throw new Error(`--variants: choose from ${VARIANTS.join(', ')}`);
  const stages = opt('stages', STAGES.join(',')).split(',') as Stage[];
  if (stages.some((s) => !STAGES.includes(s))) throw new Error(`--stages: choose from ${STAGES.join(', ')}`);
  await child(Number(opt('threads', '1')), Number(opt('size', '384')), Number(opt('runs', '1')), variants, stages, args.includes('--profile'));
} else await parent();
