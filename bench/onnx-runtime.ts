// The same AnyDepth-S weights (ViT-S/16 + SDT C=256, random: same cost as trained ones) in this project
// (tfjs backends) and in onnxruntime-node (CPU EP), on the same NCHW input. Runs alternate (tfjs, ORT,
// tfjs, ORT, …); medians are printed with the tfjs/ORT ratio per backend and size. With --stages the
// encoder (DINOv3 getIntermediateLayers) and the head (SDT + relu+min) are timed separately as well.
// The ONNX graphs come from exportOnnx() (static shape per size, like a PyTorch export at that size).
//
//   npx tsx bench/onnx-runtime.ts [--sizes 384,768] [--backends wasm[,cpu]] [--runs 3] [--cpu-runs 1]
//                                 [--cpu-sizes 64] [--threads 2] [--warmup 1] [--stages]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { Rng, useBackend } from '@anydepth/core';
import { type AnyDepth, createAnyDepth } from '@anydepth/model';
import { exportOnnx } from '@anydepth/onnx';

const { values } = parseArgs({
  options: {
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
    /** Untimed runs of each side before timing (wasm / ORT allocations and kernel set-up). */
    warmup: { type: 'string', default: '1' },
  },
});
tf.env().set('IS_TEST', true);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sizes = values.sizes!.split(',').map(Number);
const threads = Number(values.threads);

async function ortSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
}

async function timeIt(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

interface Row {
  backend: string;
  size: number;
  stage: string;
  tfjs: number;
  ort: number;
  runs: number;
}
const rows: Row[] = [];

for (const backend of values.backends!.split(',')) {
  await useBackend(backend as 'wasm' | 'cpu');
  const model: AnyDepth = createAnyDepth('anydepth-vits16', { rng: new Rng(1) }).eval();
  const runs = backend === 'cpu' ? Number(values['cpu-runs']) : Number(values.runs);
  const backendSizes = backend === 'cpu' ? sizes.filter((s) => values['cpu-sizes']!.split(',').map(Number).includes(s)) : sizes;
  for (const size of backendSizes) {
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
          const d = model.forward(nhwc);
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
      const encoder = await ortSession(exportOnnx(model.encoder, { inputShape: [1, 3, size, size], features: { layers: model.layers } }).model);
      const head = await ortSession(exportOnnx(model.decoder, { inputShape: [1, size / 16, size / 16] }).model);
      // Head input: the features this project computes for the image (the same values in both runtimes).
      const features = model.encode(nhwc);
      const headFeeds: Record<string, ort.Tensor> = {};
      features.forEach((f, i) => {
        const map = tf.transpose(f.patches, [0, 3, 1, 2]);
        headFeeds[`features.${i}.patches`] = new ort.Tensor('float32', map.dataSync() as Float32Array, map.shape);
        headFeeds[`features.${i}.cls`] = new ort.Tensor('float32', f.cls!.dataSync() as Float32Array, f.cls!.shape);
        map.dispose();
      });
      stages.push(
        {
          stage: 'encoder',
          tfjs: async () => {
            const fs = model.encode(nhwc);
            await Promise.all(fs.map((f) => f.patches.data()));
            tf.dispose(fs.flatMap((f) => Object.values(f) as tf.Tensor[])); // patches, cls and the encoder's register tokens
          },
          ort: async () => {
            await encoder.run(feeds);
          },
          release: () => encoder.release(),
        },
        {
          stage: 'head',
          tfjs: async () => {
            const d = model.forwardFeatures(features);
            await d.data();
            d.dispose();
          },
          ort: async () => {
            await head.run(headFeeds);
          },
          release: async () => {
            await head.release();
            tf.dispose(features.flatMap((f) => Object.values(f) as tf.Tensor[]));
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
      const row = { backend, size, stage: s.stage, tfjs: median(a), ort: median(b), runs };
      rows.push(row);
      console.log(
        `${backend.padEnd(5)} ${String(size).padStart(4)} px ${s.stage.padEnd(7)} tfjs ${row.tfjs.toFixed(0).padStart(7)} ms   onnxruntime ${row.ort.toFixed(0).padStart(6)} ms   ratio ${(row.tfjs / row.ort).toFixed(2)}×   (median of ${runs})`,
      );
      await s.release();
    }
    tf.dispose([image, nhwc]);
  }
  model.dispose();
}

console.log(`\nAnyDepth-S, ${sizes.join('/')} px square input, onnxruntime-node ${ort.env.versions?.common ?? ''} CPU EP with ${threads} threads`);
console.log('| backend | size | stage | tfjs ms | onnxruntime ms | tfjs / ORT |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.backend} | ${r.size} | ${r.stage} | ${r.tfjs.toFixed(0)} | ${r.ort.toFixed(0)} | ${(r.tfjs / r.ort).toFixed(2)} |`);
