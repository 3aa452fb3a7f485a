#!/usr/bin/env node
// Writes the page's assets into public/ (git-ignored, rebuilt on every build):
// - model.safetensors: the demo's trained tiny model when `npm run demo` has produced
//   out/demo/model.safetensors, otherwise a tiny AnyDepth (DINOv3 D128×4 + SDT C32) initialised from
//   seed 0 — a stand-in so the page and its test run anywhere; load real weights from the page.
//   Its last conv is rescaled and shifted so that the sample's logits span ~1 and 98 % are positive (an untrained head's
//   logits are all negative, and relu would give a constant map that tests nothing).
// - sample.png: a procedural scene (scripts/sample-image.mjs).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Rng } from '@anydepth/core';
import { anyDepthTinyConfig, createAnyDepth, encodePng, imageToTensor, networkInputSize, preprocessImage, saveAnyDepth } from '@anydepth/model';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { sampleImage } from './sample-image.mjs';

const here = import.meta.dirname;
const pub = join(here, '..', 'public');
mkdirSync(pub, { recursive: true });
const weights = join(pub, 'model.safetensors');
// Atomic writes: the build and the test task may run this at the same time.
function writeAtomic(path, bytes) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
const demo = resolve(here, '../../../out/demo/model.safetensors');
if (existsSync(demo)) {
  writeAtomic(weights, readFileSync(demo));
  console.log(`weights: ${demo} (the demo's trained model)`);
} else {
  await tf.setBackend('cpu');
  const model = createAnyDepth(anyDepthTinyConfig(), { rng: new Rng(0) }).eval();
  const img = sampleImage();
  const logits = tf.tidy(() =>
    model
      .forwardLogits(preprocessImage(imageToTensor(img), networkInputSize(img.width, img.height, { size: 96 })))
      .dataSync()
      .slice()
      .sort(),
  );
  const q = (p) => logits[Math.floor(p * (logits.length - 1))];
  const scale = 1 / (q(0.98) - q(0.02)); // logits span ~1 after this
  const param = (name) => model.namedParameters().find(([n]) => n === `decoder.output_conv.4.${name}`)[1];
  param('weight').assign(tf.mul(param('weight'), scale));
  param('bias').assign(tf.sub(tf.mul(param('bias'), scale), q(0.02) * scale - 0.01));
  writeAtomic(weights, await saveAnyDepth(model, { 'anydepth.note': 'seeded tiny model (seed 0), untrained, last conv rescaled and shifted' }));
  model.dispose();
  console.log('weights: seeded tiny model (untrained; run `npm run demo` first for trained weights)');
}
const img = sampleImage();
writeAtomic(join(pub, 'sample.png'), encodePng(img.data, img.width, img.height, { colorType: 2, bitDepth: 8 }));
console.log(`wrote ${pub}/{model.safetensors,sample.png}`);
