// The same weights (random: same cost as trained ones) in this project (tfjs backends) and in
// onnxruntime-node (CPU EP), on the same NCHW input, for AnyDepth-S (ViT-S/16 + SDT C=256) and / or Depth
// Anything V2 Small (DINOv2 ViT-S/14 + DAv2 DPT head). Runs alternate (tfjs, ORT, tfjs, ORT, …); medians
// are printed with the tfjs/ORT ratio per model, backend and size. With --stages the encoder
// (getIntermediateLayers) and the head are timed separately as well. The ONNX graphs come from
// exportOnnx() (static shape per size, like a PyTorch export at that size). Depth Anything V2 takes
// sides that are multiples of 14: each size is rounded to the nearest one (384 → 378, 768 → 770).
//
//   npx tsx bench/onnx-runtime.ts [--models anydepth-vits16,dav2-vits] [--sizes 384,768] [--backends wasm[,cpu]]
//                                 [--runs 3] [--cpu-runs 1] [--cpu-sizes 64] [--threads 2] [--warmup 1] [--stages]
//                                 [--winograd-threads N] [--xnnpack-threads N] (N: the cores)
// On wasm the project runs as `anydepth predict` does: stride-1 3×3 convs in our Winograd kernel
// (`registerInferenceKernels`, --winograd-threads, default the machine's cores; 0 = stock XNNPACK only) and
// everything else in tfjs-backend-wasm's XNNPACK (--xnnpack-threads, default the machine's cores as in predict,
// through `useThreadedWasm`; 1 = the stock single-threaded backend).
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import { type Module, Rng, useBackend } from '@anydepth/core';
import { useThreadedWasm } from '@anydepth/core/node';
import { registerInferenceKernels, unregisterInferenceKernels } from '@anydepth/kernels';
import { type AnyDepth, DepthAnythingV2, createAnyDepth } from '@anydepth/model';
import { exportOnnx } from '@anydepth/onnx';

const { values } = parseArgs({
  options: {
    /** Comma list of anydepth-vits16 (AnyDepth-S) and dav2-vits (Depth Anything V2 Small). */
    models: { type: 'string', default: 'anydepth-vits16' },
    sizes: { type: 'string', default: '384,768' },
    /** The cpu backend needs minutes even at 64 px for the C=256 head: opt in with --backends wasm,cpu --cpu-sizes 64. */
    backends: { type: 'string', default: 'wasm' },
    runs: { type: 'string', default: '3' },
    'cpu-runs': { type: 'string', default: '1' },
    /** The cpu backend takes minutes at 768 px: sizes it runs at. */
    'cpu-sizes': { type: 'string', default: '64' },
    /** onnxruntime intra-op threads (the machine's 2 cores). */
    threads: { type: 'string', default: '2' },
    stages: { type: 'boolean', default: false },
    /** Threads of our Winograd conv on wasm (0: off, every conv in XNNPACK). */
    'winograd-threads': { type: 'string', default: String(availableParallelism()) },
    /** tfjs-backend-wasm XNNPACK threads (default the machine's cores, as `anydepth predict` runs; 1: the stock backend). */
    'xnnpack-threads': { type: 'string', default: String(availableParallelism()) },
    /** Untimed runs of each side before timing (wasm / ORT allocations and kernel set-up). */
    warmup: { type: 'string', default: '1' },
  },
});
tf.env().set('IS_TEST', true);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sizes = values.sizes!.split(',').map(Number);
const threads = Number(values.threads);

async function ortSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
}

async function timeIt(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

interface Row {
  model: string;
  backend: string;
  size: number;
  stage: string;
  tfjs: number;
  ort: number;
  runs: number;
}
const rows: Row[] = [];

/** What the bench needs of a model family: build, run whole / encoder / head in tfjs, and the ONNX graphs. */
interface Bench {
  label: string;
  model: Module;
  /** The side this family runs at for a requested size. */
  side(size: number): number;
  forward(nhwc: tf.Tensor): tf.Tensor;
  /** Encoder features (the caller disposes every tensor in them). */
  encode(nhwc: tf.Tensor): Array<{ patches: tf.Tensor; cls?: tf.Tensor; registers?: tf.Tensor }>;
  head(features: ReturnType<Bench['encode']>): tf.Tensor;
  encoderGraph(side: number): Uint8Array;
  headGraph(side: number): Uint8Array;
}

function makeBench(name: string): Bench {
  if (name === 'anydepth-vits16') {
    const model: AnyDepth = createAnyDepth('anydepth-vits16', { rng: new Rng(1) }).eval();
    return {
      label: 'AnyDepth-S',
      model,
      side: (size) => size,
      forward: (x) => model.forward(x),
      encode: (x) => model.encode(x),
      head: (f) => model.forwardFeatures(f as Parameters<AnyDepth['forwardFeatures']>[0]),
      encoderGraph: (side) => exportOnnx(model.encoder, { inputShape: [1, 3, side, side], features: { layers: model.layers } }).model,
      headGraph: (side) => exportOnnx(model.decoder, { inputShape: [1, side / 16, side / 16] }).model,
    };
  }
  if (name === 'dav2-vits') {
    const model = new DepthAnythingV2('dav2-vits', { rng: new Rng(1) });
    const layers = model.config.layers;
    return {
      label: 'DAv2-S',
      model,
      side: (size) => Math.max(1, Math.round(size / 14)) * 14,
      forward: (x) => model.forward(x),
      encode: (x) => model.pretrained.getIntermediateLayers(x, layers, { norm: true, returnClassToken: false }),
      head: (f) => tf.tidy(() => tf.relu(model.depthHead.forward(f as Parameters<typeof model.depthHead.forward>[0]))),
      encoderGraph: (side) => exportOnnx(model.pretrained, { inputShape: [1, 3, side, side], features: { layers } }).model,
      headGraph: (side) => exportOnnx(model.depthHead, { inputShape: [1, side / 14, side / 14] }).model,
    };
  }
  throw new Error(`--models: unknown model '${name}' (choose anydepth-vits16, dav2-vits)`);
}

for (const modelName of values.models!.split(',')) {
  for (const backend of values.backends!.split(',')) {
    const xnnThreads = Number(values['xnnpack-threads']);
    if (backend === 'wasm' && xnnThreads > 1) await useThreadedWasm({ threads: xnnThreads });
    else await useBackend(backend as 'wasm' | 'cpu');
    const winogradThreads = backend === 'wasm' ? Number(values['winograd-threads']) : 0;
    if (winogradThreads > 0) await registerInferenceKernels({ threads: winogradThreads });
    console.log(
      `${backend}: XNNPACK ${backend === 'wasm' ? `${xnnThreads} thread(s)` : 'n/a'}, Winograd 3×3 ${winogradThreads > 0 ? `${winogradThreads} thread(s)` : 'off'}`,
    );
    const bench = makeBench(modelName);
    const model = bench.model;
    const runs = backend === 'cpu' ? Number(values['cpu-runs']) : Number(values.runs);
    const backendSizes = backend === 'cpu' ? sizes.filter((s) => values['cpu-sizes']!.split(',').map(Number).includes(s)) : sizes;
    for (const requested of backendSizes) {
      const size = bench.side(requested);
      const rng = new Rng(size);
      const nchw = new Float32Array(rng.normalArray(3 * size * size, 0, 1));
      const image = tf.tensor(nchw, [1, 3, size, size]);
      const nhwc = tf.transpose(image, [0, 2, 3, 1]);
      const full = await ortSession(exportOnnx(model, { inputShape: [1, 3, size, size] }).model);
      const feeds = { image: new ort.Tensor('float32', nchw, [1, 3, size, size]) };

      const stages: Array<{ stage: string; tfjs: () => Promise<void>; ort: () => Promise<void>; release: () => Promise<void> }> = [
        {
          stage: 'model',
          tfjs: async () => {
            const d = bench.forward(nhwc);
            await d.data();
            d.dispose();
          },
          ort: async () => {
            await full.run(feeds);
          },
          release: () => full.release(),
        },
      ];
      if (values.stages) {
        const encoder = await ortSession(bench.encoderGraph(size));
        const head = await ortSession(bench.headGraph(size));
        // Head input: the features this project computes for the image (the same values in both runtimes).
        const features = bench.encode(nhwc);
        const headInputs = new Set(head.inputNames);
        const headFeeds: Record<string, ort.Tensor> = {};
        features.forEach((f, i) => {
          const map = tf.transpose(f.patches, [0, 3, 1, 2]);
          headFeeds[`features.${i}.patches`] = new ort.Tensor('float32', map.dataSync() as Float32Array, map.shape);
          if (f.cls && headInputs.has(`features.${i}.cls`))
            headFeeds[`features.${i}.cls`] = new ort.Tensor('float32', f.cls.dataSync() as Float32Array, f.cls.shape);
          map.dispose();
        });
        const disposeFeatures = (fs: ReturnType<Bench['encode']>) => tf.dispose(fs.flatMap((f) => Object.values(f) as tf.Tensor[]));
        stages.push(
          {
            stage: 'encoder',
            tfjs: async () => {
              const fs = bench.encode(nhwc);
              await Promise.all(fs.map((f) => f.patches.data()));
              disposeFeatures(fs); // patches, cls and the register tokens
            },
            ort: async () => {
              await encoder.run(feeds);
            },
            release: () => encoder.release(),
          },
          {
            stage: 'head',
            tfjs: async () => {
              const d = bench.head(features);
              await d.data();
              d.dispose();
            },
            ort: async () => {
              await head.run(headFeeds);
            },
            release: async () => {
              await head.release();
              disposeFeatures(features);
            },
          },
        );
      }
      for (const s of stages) {
        for (let w = 0; w < Number(values.warmup); w++) {
          await s.tfjs();
          await s.ort();
        }
        const a: number[] = [];
        const b: number[] = [];
        for (let r = 0; r < runs; r++) {
          a.push(await timeIt(s.tfjs));
          b.push(await timeIt(s.ort));
        }
        const row = { model: bench.label, backend, size, stage: s.stage, tfjs: median(a), ort: median(b), runs };
        rows.push(row);
        console.log(
          `${bench.label.padEnd(10)} ${backend.padEnd(5)} ${String(size).padStart(4)} px ${s.stage.padEnd(7)} tfjs ${row.tfjs.toFixed(0).padStart(7)} ms   onnxruntime ${row.ort.toFixed(0).padStart(6)} ms   ratio ${(row.tfjs / row.ort).toFixed(2)}×   (median of ${runs})`,
        );
        await s.release();
      }
      tf.dispose([image, nhwc]);
    }
    model.dispose();
    if (winogradThreads > 0) unregisterInferenceKernels();
  }
}

console.log(
  `\n${values.models} at ${sizes.join('/')} px requested (square; DAv2 sides rounded to multiples of 14), onnxruntime-node ${ort.env.versions?.common ?? ''} CPU EP with ${threads} threads`,
);
console.log('| model | backend | size | stage | tfjs ms | onnxruntime ms | tfjs / ORT |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(`| ${r.model} | ${r.backend} | ${r.size} | ${r.stage} | ${r.tfjs.toFixed(0)} | ${r.ort.toFixed(0)} | ${(r.tfjs / r.ort).toFixed(2)} |`);
