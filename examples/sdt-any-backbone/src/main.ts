/**
 * SDT on any backbone: a small ViT (12-px patches, no class token, no registers) with the AnyDepth
 * SDT head on top, trained end to end for a few dozen steps on a synthetic depth task.
 *
 *   npm run start -w examples/sdt-any-backbone -- [--steps 40] [--batch 4] [--backend wasm|cpu]
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, ensureGradients, manualSeed, useBackend } from '@anydepth/core';
import { registerTrainingKernels } from '@anydepth/kernels';
import { SDTHead, countFlops, depthFromLogits } from '@anydepth/sdt';
import { syntheticBatch } from './data.js';
import { ssiMse } from './loss.js';
import { TinyViT } from './vit.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const STEPS = Number(arg('steps', '40'));
const BATCH = Number(arg('batch', '4'));
const BACKEND = arg('backend', 'wasm') as 'wasm' | 'cpu';
const PATCH = 12;
const SIZE = 36; // a 3×3 token grid
const GRID: [number, number] = [SIZE / PATCH, SIZE / PATCH];

// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter / depthwise backprop kernels: @anydepth/kernels adds them.
// (The stock cpu backend trains too, but its Conv2DBackpropFilter is slow.)
await useBackend(BACKEND);
await ensureGradients();
registerTrainingKernels();
manualSeed(0);

const vit = new TinyViT({ patchSize: PATCH, dim: 48, depth: 4, heads: 3, grid: GRID });
// No class token: leave out the readout projections. Four layers of width 48 are fused.
const head = new SDTHead({ inChannels: 48, numLayers: 4, fusionChannels: 8, readout: false });
const params = [...vit.trainableParameters(), ...head.trainableParameters()];
console.log(
  `[${tf.getBackend()}] ViT ${vit.numParameters().toLocaleString()} params (patch ${PATCH}, no cls, no registers) + SDT ${head.numParameters().toLocaleString()} params; ` +
    `SDT ${(countFlops(head, { height: SIZE, width: SIZE, patchSize: PATCH, batch: 1 }).macs / 1e6).toFixed(1)} M multiply-adds per image`,
);

/** Image → depth: ViT features → SDT logits at 16·grid = 48 px → resized to the 36-px image (align_corners=False). */
function predict(images: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const logits = head.forward(vit.forward(images)); // [B, 48, 48, 1]
    const resized = tf.image.resizeBilinear(logits as tf.Tensor4D, [SIZE, SIZE], false, true); // [B, 36, 36, 1]
    return depthFromLogits(resized);
  });
}

const rng = new Rng(1);
const heldOut = syntheticBatch(new Rng(999), 8, SIZE);
const optimizer = tf.train.adam(2e-3);
const losses: number[] = [];
const started = performance.now();
vit.train();
head.train();
for (let step = 1; step <= STEPS; step++) {
  const { images, targets } = syntheticBatch(rng, BATCH, SIZE);
  const { value, grads } = tf.variableGrads(() => ssiMse(predict(images), targets), params);
  optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
  losses.push(value.dataSync()[0]);
  tf.dispose([images, targets, value, ...Object.values(grads)]);
  if (step % 5 === 0 || step === 1) {
    const window = losses.slice(-5);
    const avg = window.reduce((a, b) => a + b, 0) / window.length;
    console.log(
      `step ${String(step).padStart(3)}  ssi-mse ${avg.toFixed(5)}  (${((performance.now() - started) / 1000).toFixed(1)} s, ${tf.memory().numTensors} tensors)`,
    );
  }
}

head.eval();
vit.eval();
const evalLoss = tf.tidy(() => ssiMse(predict(heldOut.images), heldOut.targets).dataSync()[0]);
// The best constant prediction (shift only) scores the mean per-image variance of the target.
const constant = tf.tidy(() => tf.mean(tf.moments(heldOut.targets, [1, 2, 3]).variance).dataSync()[0]);
const first = losses.slice(0, 5).reduce((a, b) => a + b, 0) / Math.min(5, losses.length);
const last = losses.slice(-5).reduce((a, b) => a + b, 0) / Math.min(5, losses.length);
console.log(`training loss (mean of 5 steps): ${first.toFixed(5)} -> ${last.toFixed(5)} (${((1 - last / first) * 100).toFixed(0)} % lower)`);
console.log(`held-out ssi-mse ${evalLoss.toFixed(5)} (the best constant prediction scores ${constant.toFixed(5)})`);
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
tf.dispose([heldOut.images, heldOut.targets]);
optimizer.dispose();
