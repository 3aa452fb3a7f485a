#!/usr/bin/env node
// AnyDepth on tfjs' WebGPU backend in Node, through Dawn (the `webgpu` npm package).
//   node predict.mjs [image] [--weights model.safetensors] [--size 384] [--out depth.png] [--runs 2]
// Without --weights a tiny untrained model (seed 0) runs, to check the path; without an image a
// synthetic gradient is used. On machines without a GPU set a software Vulkan driver:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json   (Debian: apt-get install chromium)
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Rng } from '@anydepth/core';
import { anyDepthTinyConfig, colorize, createAnyDepth, encodePng, maxTensorBytesForBackend, predict } from '@anydepth/model';
import { loadAnyDepthFromFile, loadImage } from '@anydepth/model/node';
import * as tf from '@tensorflow/tfjs-core';
import { create, globals } from 'webgpu';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    weights: { type: 'string' },
    size: { type: 'string', default: '384' },
    out: { type: 'string', default: 'depth.png' },
    runs: { type: 'string', default: '2' },
  },
});

// 1. Give tfjs a navigator.gpu backed by Dawn, then activate the webgpu backend.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
Object.assign(globalThis, globals);
let gpu = create([]);
let adapter = await gpu.requestAdapter();
if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER; // no hardware adapter: Debian chromium's SwiftShader
  gpu = create([]);
  adapter = await gpu.requestAdapter();
}
if (!adapter) {
  console.error('no WebGPU adapter: install a Vulkan driver (or `apt-get install libvulkan1 chromium` and set VK_ICD_FILENAMES=' + SWIFTSHADER + ')');
  process.exit(1);
}
Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
await import('@tensorflow/tfjs-backend-webgpu');
if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed");
await tf.ready();
const info = adapter.info ?? {};
console.log(`backend: webgpu on ${info.vendor ?? '?'} ${info.architecture ?? ''} ${info.description ?? ''}`.trim());
console.log(`max storage binding: ${(maxTensorBytesForBackend() / 2 ** 20).toFixed(0)} MiB (larger SDT tensors are computed in row bands)`);

// 2. The model.
const t0 = performance.now();
const model = values.weights ? loadAnyDepthFromFile(values.weights) : createAnyDepth(anyDepthTinyConfig(), { rng: new Rng(0) });
model.eval();
if (!values.weights) console.warn('no --weights: a tiny UNTRAINED model (seed 0) runs, to exercise the path');
console.log(`weights: ${(model.numParameters() / 1e6).toFixed(2)} M parameters in ${(performance.now() - t0).toFixed(0)} ms`);

// 3. The image.
let image;
if (positionals[0]) image = await loadImage(positionals[0]);
else {
  const [width, height] = [320, 240];
  const data = new Uint8Array(width * height * 3).map((_, i) => ((i % 3) * 80 + Math.floor(i / 3 / width)) % 256);
  image = { data, width, height, channels: 3 };
}

// 4. Predict (the first run compiles the shaders), report per-stage timings, write the colourised depth.
const size = Number(values.size);
let pred;
for (let run = 1; run <= Number(values.runs); run++) {
  pred = await predict(model, image, { size });
  const t = pred.timings;
  console.log(
    `run ${run}: ${image.width}×${image.height} → network ${pred.networkWidth}×${pred.networkHeight}: ` +
      `preprocess ${t.preprocessMs.toFixed(1)} ms, inference ${t.inferenceMs.toFixed(1)} ms, postprocess ${t.postprocessMs.toFixed(1)} ms`,
  );
}
writeFileSync(values.out, encodePng(colorize(pred.disparity, { colormap: 'inferno' }), pred.width, pred.height, { colorType: 2, bitDepth: 8 }));
console.log(`wrote ${values.out}`);
model.dispose();
