/**
 * DINOv3 ViT-S/16 encoder speed on the tfjs wasm and cpu backends at 224, 448 and 768 px:
 * median milliseconds of `getIntermediateLayers` (the AnyDepth call: blocks [2,5,8,11], normed) and the
 * achieved GFLOP/s from an analytic FLOP count (patch embed + q/k/v/o + q·kᵀ + attn·v + MLP, batch 1).
 * Random weights (speed does not depend on them). Prints the cpu/wasm time ratio measured in this run.
 *
 *   npx turbo run build --filter=@anydepth/dinov3...   # once: the bench imports the built package
 *   npx tsx bench/dinov3-encoder.ts [--backends wasm,cpu] [--sizes 224,448,768] [--profile]
 */
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

/** Iterations per (backend, size): the cpu backend at 768 px takes minutes per pass, so it runs once. */
function iterations(backend: string, size: number): { warmup: number; runs: number } {
  if (backend === 'cpu') return size >= 768 ? { warmup: 0, runs: 1 } : size >= 448 ? { warmup: 1, runs: 2 } : { warmup: 1, runs: 3 };
  return size >= 768 ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 5 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true);
  const results = new Map<string, number>();
  for (const backend of backends) {
    await useBackend(backend);
    const model = new DinoVisionTransformer('vits16');
    for (const size of sizes) {
      const image = tf.randomNormal([1, size, size, 3]);
      const { warmup, runs } = iterations(backend, size);
      const run = async () => {
        const t0 = performance.now();
        const outs = model.getIntermediateLayers(image);
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
      const gflop = model.flops(size, size) / 1e9;
      results.set(`${backend}@${size}`, ms);
      console.log(
        `${backend.padEnd(4)} ${String(size).padStart(4)} px  ${String(((size / 16) ** 2 + 5) | 0).padStart(5)} tokens  ` +
          `median ${ms.toFixed(1).padStart(9)} ms over ${runs} run(s)  ${gflop.toFixed(1).padStart(6)} GFLOP  ${(gflop / (ms / 1000)).toFixed(2).padStart(6)} GFLOP/s`,
      );
      if (profile && size === sizes[0]) {
        const p = await tf.profile(async () => {
          const outs = model.getIntermediateLayers(image);
          await outs[0].patches.data();
          tf.dispose(outs.flatMap((o) => [o.patches, o.cls, o.registers]));
        });
        const agg = new Map<string, number>();
        for (const k of p.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + Number(k.kernelTimeMs));
        console.log('  kernels (ms):', [...agg].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
      }
      image.dispose();
    }
    model.dispose();
  }
  for (const size of sizes) {
    const c = results.get(`cpu@${size}`);
    const w = results.get(`wasm@${size}`);
    if (c && w) console.log(`ratio cpu/wasm at ${size} px: ${(c / w).toFixed(2)}× (wasm faster when > 1)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
