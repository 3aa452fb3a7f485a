// Run by anydepth.test.ts in a fresh process: loads a saved model and writes its output.
// Usage: node --import tsx reload-worker.mts <weights> <image.json> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadAnyDepthFromFile } from '../src/node.js';

const [weights, imagePath, outPath] = process.argv.slice(2);
tf.env().set('IS_TEST', true);
await tf.setBackend('cpu');
const model = loadAnyDepthFromFile(weights).eval();
const img = JSON.parse(readFileSync(imagePath, 'utf8'));
const out = model.forward(tf.tensor(img.data, img.shape));
writeFileSync(outPath, JSON.stringify(Array.from(out.dataSync())));
