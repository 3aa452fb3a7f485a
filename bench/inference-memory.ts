/**
 * Peak memory of AnyDepth-S (DINOv3 ViT-S/16 + SDT head, C = 256, random weights: memory does not depend on
 * them) on the wasm backend, whole model, per input size, for two memory settings measured in the same run:
 *   before — attention untiled (`setAttentionTileBytes(Infinity)`), the SDT tail's default row bands;
 *   after  — the defaults of this tree (query-tiled attention, …).
 * The wasm heap only grows, so every (size, variant) runs in its own child process, alternated
 * (before, after, before, after, …) so machine-load drift hits both. Each child reports its peak RSS
 * (`process.resourceUsage().maxRSS`), the wasm heap size at the end and the seconds of the forward pass; with
 * --top also the peak of tfjs' live tensor bytes (`tf.profile`'s `peakBytes`).
 *
 *   npx turbo run build --filter=@anydepth/model...
 *   npx tsx bench/inference-memory.ts [--sizes 384,768,1536] [--variants before,after] [--threads 2] [--rounds 1] [--top 0] [--winograd 1]
 *
 * --winograd 0: every convolution in XNNPACK (1, the default: stride-1 3×3 convs in our kernel, as predict runs).
 *
 * --top K: each child also prints the K largest tensors the forward pass creates and the kernel at the peak.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_ATTENTION_TILE_BYTES, setAttentionTileBytes, useBackend } from '@anydepth/core';
import { useThreadedWasm } from '@anydepth/core/node';
import { type AnyDepth, createAnyDepth } from '@anydepth/model';
import { registerInferenceKernels } from '@anydepth/kernels';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const VARIANTS = ['before', 'after'] as const;
type Variant = (typeof VARIANTS)[number];

interface ChildResult {
  variant: Variant;
  size: number;
  seconds: number;
  maxRssMb: number;
  heapMb: number;
  peakTensorMb: number;
}

const MB = 2 ** 20;

function useVariant(model: AnyDepth, variant: Variant): void {
  if (variant === 'before') {
    setAttentionTileBytes(Number.POSITIVE_INFINITY);
    model.tiling = {};
  } else {
    setAttentionTileBytes(DEFAULT_ATTENTION_TILE_BYTES);
    model.tiling = {};
  }
}

function wasmHeapBytes(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.buffer.byteLength ?? Number.NaN;
}

async function child(variant: Variant, size: number, threads: number, top: number, winograd: boolean): Promise<void> {
  tf.env().set('IS_TEST', true);
  if (threads > 1) await useThreadedWasm({ threads });
  else await useBackend('wasm');
  // As `anydepth predict` runs: stride-1 3×3 convs in our Winograd kernel (its memory is banded: ~16 MB per call).
  if (winograd) await registerInferenceKernels({ threads });
  const model: AnyDepth = createAnyDepth('anydepth-vits16').eval();
  useVariant(model, variant);
  const image = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 7);
  const run = async () => {
    const out = model.forward(image);
    await out.data();
    out.dispose();
  };
  const t0 = performance.now();
  // tf.profile (live-tensor peak, largest tensors) only with --top: it slows every kernel down.
  const info = top > 0 ? await tf.profile(run) : (await run(), null);
  const seconds = (performance.now() - t0) / 1000;
  if (info) {
    const peakAt = info.kernels.reduce((best, k, i) => (k.totalBytesSnapshot > info.kernels[best].totalBytesSnapshot ? i : best), 0);
    const k = info.kernels[peakAt];
    console.log(
      `${variant} ${size} px: live tensors peak ${(k.totalBytesSnapshot / MB).toFixed(0)} MB at kernel #${peakAt} ${k.name} [${k.inputShapes.map((s) => s?.join('×')).join(', ')}] → [${k.outputShapes.map((s) => s?.join('×')).join(', ')}]`,
    );
    const big = info.kernels
      .map((kk, i) => ({ kk, i }))
      .sort((a, b) => b.kk.bytesAdded - a.kk.bytesAdded)
      .slice(0, top);
    for (const { kk, i } of big)
      console.log(`  #${i} ${kk.name} +${(kk.bytesAdded / MB).toFixed(0)} MB → [${kk.outputShapes.map((s) => s?.join('×')).join(', ')}]`);
  }
  const result: ChildResult = {
    variant,
    size,
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    heapMb: wasmHeapBytes() / MB,
    peakTensorMb: info ? info.peakBytes / MB : Number.NaN,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

function parent(): void {
  const sizes = opt('sizes', '384,768').split(',').map(Number);
  const variants = opt('variants', VARIANTS.join(',')).split(',') as Variant[];
  const rounds = Number(opt('rounds', '1'));
  const threads = opt('threads', '2');
  const top = opt('top', '0');
  const winograd = opt('winograd', '1');
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`node ${process.version}, ${availableParallelism()} cores, load average ${load()}; wasm, ${threads} thread(s)`);
  const self = fileURLToPath(import.meta.url);
  const results: ChildResult[] = [];
  for (const size of sizes) {
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        const r = spawnSync(
          process.execPath,
          [...process.execArgv, self, '--child', '--variant', variant, '--size', String(size), '--threads', threads, '--top', top, '--winograd', winograd],
          { encoding: 'utf8', maxBuffer: 1 << 26 },
        );
        const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        process.stdout.write(
          r.stdout
            .split('\n')
            .filter((l) => l && !l.startsWith('RESULT '))
            .map((l) => `${l}\n`)
            .join(''),
        );
        if (r.status !== 0 || !line) {
          console.log(`  ${variant} ${size} px: FAILED (exit ${r.status}, signal ${r.signal}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
          continue;
        }
        const res = JSON.parse(line.slice(7), (_, v) => (v === null ? Number.NaN : v)) as ChildResult;
        results.push(res);
        console.log(
          `  ${variant} ${size} px: ${res.seconds.toFixed(1)} s, peak RSS ${res.maxRssMb.toFixed(0)} MB, wasm heap ${res.heapMb.toFixed(0)} MB${Number.isNaN(res.peakTensorMb) ? '' : `, live tensors peak ${res.peakTensorMb.toFixed(0)} MB`} (load ${load()})`,
        );
      }
    }
  }
  console.log('\n| size | variant | peak RSS (MB) | wasm heap (MB) | live tensors peak (MB) | forward (s) |');
  console.log('|---|---|---|---|---|---|');
  for (const size of sizes) {
    for (const v of variants) {
      const rs = results.filter((r) => r.size === size && r.variant === v);
      if (!rs.length) {
        console.log(`| ${size} | ${v} | failed | | | |`);
        continue;
      }
      // NaN: not measured (the live-tensor peak needs --top)
      const max = (f: (r: ChildResult) => number) => (rs.some((r) => Number.isNaN(f(r))) ? '—' : Math.max(...rs.map(f)).toFixed(0));
      console.log(
        `| ${size} | ${v} | ${max((r) => r.maxRssMb)} | ${max((r) => r.heapMb)} | ${max((r) => r.peakTensorMb)} | ${Math.min(...rs.map((r) => r.seconds)).toFixed(1)} |`,
      );
    }
    const b = results.filter((r) => r.size === size && r.variant === 'before');
    const a = results.filter((r) => r.size === size && r.variant === 'after');
    if (b.length && a.length)
      console.log(`| ${size} | after / before RSS | ${(Math.max(...a.map((r) => r.maxRssMb)) / Math.max(...b.map((r) => r.maxRssMb))).toFixed(2)}× | | | |`);
  }
  console.log(`\nload average at the end ${load()} (one process per row; RSS = that child's peak)`);
}

if (args.includes('--child')) {
  const variant = opt('variant', 'after') as Variant;
  if (!VARIANTS.includes(variant)) throw new Error(`--variant: choose from ${VARIANTS.join(', ')}`);
  await child(variant, Number(opt('size', '384')), Number(opt('threads', '2')), Number(opt('top', '0')), opt('winograd', '1') !== '0');
} else parent();
