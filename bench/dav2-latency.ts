// Depth Anything V2 Small vs AnyDepth ViT-S: model forward latency on one 518×518 ImageNet-normalised
// image (random weights; same cost as trained ones), the two alternated in one process so both see the
// same machine load. DAv2 runs 37×37 patches of 14 px; AnyDepth centre-pads to 528×528 (33×33 patches of 16 px).
// Prints the median of each and the ratio.
//
//   npx tsx bench/dav2-latency.ts [--backend wasm] [--size 518] [--runs 5]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@anydepth/core';
import { DepthAnythingV2, createAnyDepth } from '@anydepth/model';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    size: { type: 'string', default: '518' },
    runs: { type: 'string', default: '5' },
  },
});
tf.env().set('IS_TEST', true);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await useBackend(values.backend as 'wasm' | 'cpu');
const size = Number(values.size);
const runs = Number(values.runs);
const dav2 = new DepthAnythingV2('dav2-vits');
const anydepth = createAnyDepth('anydepth-vits16').eval();
const image = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 1);

async function time(run: () => tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const out = run();
  await out.data(); // wait for the backend
  const ms = performance.now() - t0;
  out.dispose();
  return ms;
}

const models: Array<[string, () => tf.Tensor]> = [
  [`Depth Anything V2 Small (${dav2.numParameters().toLocaleString()} params)`, () => dav2.forward(image)],
  [`AnyDepth ViT-S         (${anydepth.numParameters().toLocaleString()} params)`, () => anydepth.forward(image)],
];
for (const [, run] of models) await time(run); // warm-up: kernel compilation, allocations
const times = models.map(() => [] as number[]);
for (let r = 0; r < runs; r++) {
  for (let m = 0; m < models.length; m++) times[m].push(await time(models[m][1]));
}
console.log(`${values.backend} backend, ${size}×${size} input, median of ${runs} alternated runs:`);
models.forEach(([name], m) => console.log(`  ${name}: ${median(times[m]).toFixed(0)} ms  (runs: ${times[m].map((t) => t.toFixed(0)).join(', ')})`));
console.log(`  DAv2-S / AnyDepth-S = ${(median(times[0]) / median(times[1])).toFixed(2)}×`);
image.dispose();
dav2.dispose();
anydepth.dispose();
