/**
 * AnyDepth decoder training-step time (SDT head, ViT-S width 384, C = 256, batch 2, 256 px: four 16×16 feature
 * maps in, a 256×256 depth map out; loss = MSE, AdamW step) measured in one run:
 *   1. wasm with @anydepth/kernels' training kernels vs the cpu backend (ratio of medians; goal ≥ 10×),
 *   2. on wasm, with feature caching (features computed once; a step = head forward + backward + AdamW) vs
 *      without (each step also runs the frozen DINOv3 ViT-S/16 encoder forward, random init) (goal ≥ 2×).
 * Medians over the timed steps after warm-up (cpu: 1 warm-up + 3 timed steps by default).
 *
 *   npx turbo run build --filter=@anydepth/sdt... --filter=@anydepth/dinov3... --filter=@anydepth/kernels...
 *   npx tsx bench/train-step.ts [--size 256] [--batch 2] [--fusion 256] [--steps 5] [--cpu-steps 3] [--skip-cpu] [--profile] [--recompute] [--head-only] [--memory-profile] [--threads N] [--winograd N]
 *
 * --recompute: the head recomputes its upsampling/refinement/output blocks in the backward pass (`SDTHead.recompute`),
 * keeping only the blocks' inputs; --head-only skips the encoder + head phase (and the cpu phase).
 *
 * Memory: the wasm heap is capped at 4 GiB (and tfjs-backend-wasm does not check malloc, so running out corrupts
 * the heap: "memory access out of bounds"). The full 256 px, batch-2, C = 256 head step needs more than that
 * without --recompute; with it (one `recomputeChain` over the head's blocks) it ran in 3.8 GiB. This script
 * reports the wasm heap size after each phase.
 */
import { availableParallelism, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients, useBackend } from '@anydepth/core';
import { useThreadedWasm } from '@anydepth/core/node';
import { DinoVisionTransformer } from '@anydepth/dinov3';
import { registerInferenceKernels, registerTrainingKernels } from '@anydepth/kernels';
import { type HeadFeature, SDTHead, countSdtFlops } from '@anydepth/sdt';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const size = Number(opt('size', '256'));
const batch = Number(opt('batch', '2'));
const steps = Number(opt('steps', '5'));
const cpuSteps = Number(opt('cpu-steps', '3'));
const skipCpu = args.includes('--skip-cpu');
const profile = args.includes('--profile');
const recompute = args.includes('--recompute');
const headOnly = args.includes('--head-only');
const WIDTH = 384; // ViT-S
const FUSION = Number(opt('fusion', '256')); // C
const LAYERS = [2, 5, 8, 11]; // AnyDepth's ViT-S intermediate layers

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Minimal AdamW (decoupled weight decay), the trainer's update rule; state lives in tf.Variables. */
class AdamW {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  constructor(
    private readonly lr = 1e-3,
    private readonly weightDecay = 1e-2,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}
  step(params: tf.Variable[], grads: Record<string, tf.Tensor>): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      for (const p of params) {
        const g = grads[p.name];
        if (!g) continue;
        if (!this.m.has(p.name)) {
          this.m.set(p.name, tf.variable(tf.zerosLike(p), false));
          this.v.set(p.name, tf.variable(tf.zerosLike(p), false));
        }
        const m = this.m.get(p.name)!;
        const v = this.v.get(p.name)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), this.eps));
        p.assign(tf.sub(tf.mul(p, 1 - this.lr * this.weightDecay), tf.mul(update, this.lr)));
      }
    });
  }
  dispose(): void {
    tf.dispose([...this.m.values(), ...this.v.values()]);
  }
}

interface Setup {
  head: SDTHead;
  optimizer: AdamW;
  features: HeadFeature[];
  image: tf.Tensor4D;
  target: tf.Tensor4D;
  encoder?: DinoVisionTransformer;
}

function makeSetup(withEncoder: boolean): Setup {
  const grid = size / 16;
  const head = new SDTHead({ inChannels: WIDTH, fusionChannels: FUSION, recompute });
  head.train();
  const features = LAYERS.map((_, i) => ({
    patches: tf.randomNormal([batch, grid, grid, WIDTH], 0, 1, 'float32', 10 + i) as tf.Tensor4D, // [B, h, w, D]
    cls: tf.randomNormal([batch, WIDTH], 0, 1, 'float32', 20 + i) as tf.Tensor2D, // [B, D]
  }));
  const image = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D; // [B, H, W, 3]
  const target = tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 2) as tf.Tensor4D; // [B, H, W, 1]
  const encoder = withEncoder ? new DinoVisionTransformer('vits16') : undefined;
  encoder?.eval();
  encoder?.requiresGrad(false);
  return { head, optimizer: new AdamW(), features, image, target, encoder };
}

/** Frozen encoder forward (no gradient), as the trainer runs it without a feature cache. */
function encode(s: Setup): HeadFeature[] {
  const outs = s.encoder!.getIntermediateLayers(s.image, { layers: LAYERS });
  return outs.map((o) => {
    if (o.registers) tf.dispose(o.registers);
    return { patches: o.patches, cls: o.cls };
  });
}

/** One training step; returns its wall time in ms (waits for the loss value). */
async function step(s: Setup, withEncoder: boolean): Promise<number> {
  const t0 = performance.now();
  const features = withEncoder ? encode(s) : s.features;
  const params = s.head.trainableParameters();
  const { value, grads } = tf.variableGrads(() => {
    const pred = s.head.forward(features); // [B, H, W, 1]
    return tf.mean(tf.square(tf.sub(pred, s.target))) as tf.Scalar;
  }, params);
  s.optimizer.step(params, grads);
  await value.data();
  const ms = performance.now() - t0;
  tf.dispose([value, ...Object.values(grads)]);
  if (withEncoder) tf.dispose(features.flatMap((f) => [f.patches, f.cls!]));
  return ms;
}

async function timeSteps(label: string, s: Setup, withEncoder: boolean, warmup: number, runs: number): Promise<number> {
  for (let i = 0; i < warmup; i++) {
    const ms = await step(s, withEncoder);
    console.log(`  ${label}: warm-up ${ms.toFixed(0)} ms`);
  }
  const before = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    times.push(await step(s, withEncoder));
    console.log(`  ${label}: step ${i + 1}/${runs} ${times[i].toFixed(0)} ms`);
  }
  const leaked = tf.memory().numTensors - before;
  const med = median(times);
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length;
  console.log(
    `${label}: median ${med.toFixed(0)} ms over ${runs} steps (numTensors change ${leaked}${heap ? `, wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB` : ''}, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
  return med;
}

function disposeSetup(s: Setup): void {
  s.optimizer.dispose();
  tf.dispose([s.image, s.target, ...s.features.flatMap((f) => [f.patches, f.cls!])]);
  tf.dispose(s.head.parameters());
  if (s.encoder) tf.dispose(s.encoder.parameters());
}

async function main(): Promise<void> {
  tf.env().set('IS_TEST', true);
  await ensureGradients();
  const probe = new SDTHead({ inChannels: WIDTH, fusionChannels: FUSION });
  const flops = countSdtFlops(probe, { height: size, width: size, batch });
  tf.dispose(probe.parameters());
  console.log(
    `SDT head ViT-S (D=${WIDTH}) C=${FUSION}, ${size}×${size} px, batch ${batch}: ${(flops.macs / 1e9).toFixed(1)} GMAC forward ` +
      `(${Object.entries(flops.parts)
        .map(([k, v]) => `${k} ${(v / 1e9).toFixed(1)}`)
        .join(', ')})`,
  );

  const vit = new DinoVisionTransformer('vits16');
  const encoderGflop = (vit.flops(size, size) * batch) / 1e9;
  tf.dispose(vit.parameters());
  console.log(
    `frozen ViT-S/16 encoder forward: ${encoderGflop.toFixed(1)} GFLOP; head training step ≈ 3 × ${((2 * flops.macs) / 1e9).toFixed(1)} GFLOP ` +
      `(forward + two backward products) → caching can save at most ${((encoderGflop + (6 * flops.macs) / 1e9) / ((6 * flops.macs) / 1e9)).toFixed(2)}× by FLOPs`,
  );

  // XNNPACK threads (--threads, default the cores; 1 = the stock single-threaded backend).
  const threads = Number(opt('threads', String(availableParallelism())));
  if (threads > 1) await useThreadedWasm({ threads });
  else await useBackend('wasm');
  const added = registerTrainingKernels();
  // --winograd N: also our Winograd 3×3 conv on N threads (forward convs, and the stride-1 input gradients, which
  // run as forward convs of the flipped filter), as `anydepth train` does on wasm.
  const winograd = Number(opt('winograd', '0'));
  if (winograd > 0) added.push(...(await registerInferenceKernels({ threads: winograd })));
  console.log(`registered ${added.join(', ')}`);
  console.log(`batch ${batch}, ${size} px, recompute ${recompute}, XNNPACK ${threads} thread(s), Winograd ${winograd || 'off'}`);
  if (args.includes('--memory-profile')) {
    // One step under tf.profile: the peak of live tensor bytes and the kernels that allocate most.
    const m = makeSetup(false);
    await step(m, false);
    const info = await tf.profile(async () => {
      await step(m, false);
    });
    const MB = 2 ** 20;
    console.log(`memory profile: live tensors peak ${(info.peakBytes / MB).toFixed(0)} MB over ${info.kernels.length} kernels`);
    const peakAt = info.kernels.reduce((b, k, i) => (k.totalBytesSnapshot > info.kernels[b].totalBytesSnapshot ? i : b), 0);
    console.log(`  peak at kernel #${peakAt} ${info.kernels[peakAt].name} → [${info.kernels[peakAt].outputShapes.map((x) => x?.join('×')).join(', ')}]`);
    for (const k of [...info.kernels].sort((a, b) => b.bytesAdded - a.bytesAdded).slice(0, 12))
      console.log(`  ${k.name} +${(k.bytesAdded / MB).toFixed(1)} MB → [${k.outputShapes.map((x) => x?.join('×')).join(', ')}]`);
    disposeSetup(m);
    return;
  }
  const wasm = makeSetup(!headOnly);
  const wasmCached = await timeSteps('wasm, cached features (head step)', wasm, false, 1, steps);
  // --profile: one more head step under tf.profile, time by kernel (also with --head-only).
  if (profile) {
    const p = wasm;
    const info = await tf.profile(async () => {
      await step(p, false);
    });
    const byKernel = new Map<string, number>();
    for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    console.log(
      [...byKernel]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`)
        .join('\n'),
    );
    // The same time by kernel and input shapes: which layers the top kernels serve.
    const byShape = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const key = `${k.name} ${k.inputShapes.map((s) => `[${s?.join('×')}]`).join(' ')}`;
      const e = byShape.get(key) ?? { ms: 0, calls: 0 };
      e.ms += k.kernelTimeMs as number;
      e.calls++;
      byShape.set(key, e);
    }
    console.log('\nby input shapes:');
    for (const [k, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) console.log(`  ${e.ms.toFixed(0)} ms  ${e.calls}×  ${k}`);
  }
  if (headOnly) {
    disposeSetup(wasm);
    return;
  }
  const wasmEncoder = await timeSteps('wasm, encoder + head step', wasm, true, 1, steps);
  disposeSetup(wasm);

  let cpu = NaN;
  if (!skipCpu) {
    await useBackend('cpu');
    const c = makeSetup(false);
    cpu = await timeSteps('cpu, cached features (head step)', c, false, 1, cpuSteps);
    disposeSetup(c);
  }

  console.log('\nResults (medians, one run):');
  console.log(`  head step, wasm + training kernels: ${wasmCached.toFixed(0)} ms`);
  if (!skipCpu) console.log(`  head step, cpu backend:             ${cpu.toFixed(0)} ms`);
  console.log(`  encoder + head step, wasm:          ${wasmEncoder.toFixed(0)} ms`);
  if (!skipCpu) console.log(`  wasm speed-up over cpu:  ${(cpu / wasmCached).toFixed(2)}×  (goal ≥ 10×)`);
  console.log(`  feature-caching speed-up: ${(wasmEncoder / wasmCached).toFixed(2)}×  (goal ≥ 2×)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
