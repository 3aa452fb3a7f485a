// Latency of one `predict` for AnyDepth ViT-S (random weights; same cost as trained ones) at 384 and 768 px,
// on the wasm and cpu backends, with per-stage timings. Reports medians; prints the cpu/wasm ratio per size.
//
//   npx tsx bench/predict-latency.ts [--sizes 384,768] [--backends wasm,cpu] [--runs 3] [--cpu-runs 1] [--cpu-warmup 0]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@anydepth/core';
import { createAnyDepth, predict } from '@anydepth/model';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '384,768' },
    backends: { type: 'string', default: 'wasm,cpu' },
    runs: { type: 'string', default: '3' },
    'cpu-runs': { type: 'string', default: '1' },
    /** Warm-up predictions before timing (compiles wasm/webgpu kernels); the cpu backend needs none. */
    'cpu-warmup': { type: 'string', default: '0' },
  },
});
tf.env().set('IS_TEST', true);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results: Record<string, Record<number, { total: number; inference: number }>> = {};

for (const backend of values.backends!.split(',')) {
  await useBackend(backend as 'wasm' | 'cpu');
  const model = createAnyDepth('anydepth-vits16').eval();
  results[backend] = {};
  for (const size of values.sizes!.split(',').map(Number)) {
    // A 4:3 photo whose longer side becomes `size`.
    const width = size;
    const height = Math.round((size * 3) / 4);
    const data = new Uint8Array(width * height * 3).map((_, i) => (i * 7919) % 251);
    const runs = backend === 'cpu' ? Number(values['cpu-runs']) : Number(values.runs);
    const warmups = backend === 'cpu' ? Number(values['cpu-warmup']) : 1;
    for (let w = 0; w < warmups; w++) await predict(model, { data, width, height, channels: 3 }, { size }); // kernel compilation, allocations
    const totals: number[] = [];
    const inference: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const p = await predict(model, { data, width, height, channels: 3 }, { size });
      totals.push(performance.now() - t0);
      inference.push(p.timings.inferenceMs);
    }
    results[backend][size] = { total: median(totals), inference: median(inference) };
    console.log(
      `${backend.padEnd(5)} ${String(size).padStart(4)} px (${width}×${height}): predict ${median(totals).toFixed(0)} ms (inference ${median(inference).toFixed(0)} ms), median of ${runs}`,
    );
  }
  model.dispose();
}
if (results.cpu && results.wasm) {
  for (const size of Object.keys(results.wasm)) {
    const c = results.cpu[Number(size)];
    if (c) console.log(`${size} px: cpu/wasm = ${(c.total / results.wasm[Number(size)].total).toFixed(1)}×`);
  }
}
