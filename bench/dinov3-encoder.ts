/**
 * DINOv3 ViT-S/16 encoder speed on the tfjs wasm and cpu backends at 224, 448 and 768 px:
 * median milliseconds of `getIntermediateLayers` (the AnyDepth call: blocks [2,5,8,11], normed) and the
 * achieved GFLOP/s from an analytic FLOP count (patch embed + q/k/v/o + q·kᵀ + attn·v + MLP, batch 1).
 * Random weights (speed does not depend on them). Prints the cpu/wasm time ratio measured in this run.
 *
 *   npx turbo run build --filter=@anydepth/dinov3...   # once: the bench imports the built package
 *   npx tsx bench/dinov3-encoder.ts [--backends wasm,cpu] [--sizes 224,448,768] [--profile] [--full-cpu-768]
 */
import { availableParallelism, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@anydepth/core';
import { DinoVisionTransformer } from '@anydepth/dinov3';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const backends = opt('backends', 'wasm,cpu').split(',') as Array<'wasm' | 'cpu'>;
const sizes = opt('sizes', '224,448,768').split(',').map(Number);
const profile = args.includes('--profile');

const fullCpu768 = args.includes('--full-cpu-768');

/**
 * Iterations per (backend, size). The cpu backend (plain JS loops) needs many minutes per ViT-S pass
 * at 768 px, so there it runs once and, unless --full-cpu-768, only block 0 (patch embedding + one
 * block + norm); the full-encoder time is then extrapolated from the FLOP ratio and marked as such.
 */
function plan(backend: string, size: number): { warmup: number; runs: number; blocks: number | null } {
  if (backend === 'cpu') {
    if (size >= 768) return { warmup: 0, runs: 1, blocks: fullCpu768 ? null : 1 };
    return size >= 448 ? { warmup: 0, runs: 1, blocks: null } : { warmup: 1, runs: 2, blocks: null };
  }
  return size >= 768 ? { warmup: 1, runs: 3, blocks: null } : { warmup: 1, runs: 5, blocks: null };
}

/** FLOPs of the patch embedding alone (a 16×16×3 → 384 matMul per patch). */
const patchFlops = (size: number) => 2 * (size / 16) ** 2 * 16 * 16 * 3 * 384;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true);
  // Timings on a shared machine depend on its load: print it so the numbers can be judged.
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`node ${process.version}, ${availableParallelism()} cores, load average ${load()}`);
  const results = new Map<string, number>();
  for (const backend of backends) {
    await useBackend(backend);
    const model = new DinoVisionTransformer('vits16');
    for (const size of sizes) {
      const image = tf.randomNormal([1, size, size, 3]);
      const { warmup, runs, blocks } = plan(backend, size);
      const layers = blocks === null ? undefined : [blocks - 1];
      const run = async () => {
        const t0 = performance.now();
        const outs = model.getIntermediateLayers(image, { layers });
        await outs[outs.length - 1].patches.data(); // wait for the result
        const ms = performance.now() - t0;
        tf.dispose(outs.flatMap((o) => [o.patches, o.cls, o.registers]));
        return ms;
      };
      for (let i = 0; i < warmup; i++) await run();
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await run());
      const ms = median(times);
      // getIntermediateLayers stops after block 11 = the whole encoder for ViT-S; the final norm is applied 4×.
      const fullFlops = model.flops(size, size);
      const perBlock = (fullFlops - patchFlops(size)) / model.config.depth;
      const ranFlops = blocks === null ? fullFlops : patchFlops(size) + blocks * perBlock;
      const gflop = ranFlops / 1e9;
      const fullMs = ms * (fullFlops / ranFlops);
      results.set(`${backend}@${size}`, fullMs);
      console.log(
        `${backend.padEnd(4)} ${String(size).padStart(4)} px  ${String(((size / 16) ** 2 + 5) | 0).padStart(5)} tokens  ` +
          `median ${ms.toFixed(1).padStart(9)} ms over ${runs} run(s)  ${gflop.toFixed(1).padStart(6)} GFLOP  ${(gflop / (ms / 1000)).toFixed(2).padStart(6)} GFLOP/s` +
          (blocks === null ? '' : `  [ran ${blocks} of ${model.config.depth} blocks; full encoder extrapolated ≈ ${(fullMs / 1000).toFixed(0)} s]`),
      );
      if (profile && size === sizes[0]) {
        const p = await tf.profile(async () => {
          const outs = model.getIntermediateLayers(image);
          await outs[0].patches.data();
          tf.dispose(outs.flatMap((o) => [o.patches, o.cls, o.registers]));
        });
        const agg = new Map<string, number>();
        for (const k of p.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + Number(k.kernelTimeMs));
        console.log(
          '  kernels (ms):',
          [...agg]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 10)
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', '),
        );
      }
      image.dispose();
    }
    model.dispose();
  }
  console.log(`load average at the end ${load()}`);
  for (const size of sizes) {
    const c = results.get(`cpu@${size}`);
    const w = results.get(`wasm@${size}`);
    if (c && w)
      console.log(`ratio cpu/wasm at ${size} px: ${(c / w).toFixed(2)}× (wasm faster when > 1; cpu@768 uses the extrapolated time unless --full-cpu-768)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
