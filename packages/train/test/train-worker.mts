// Run by train-resume.test.ts in a fresh process: trains a tiny AnyDepth on procedural scenes with
// frequent checkpoints, so that the test can SIGKILL it and resume.
// Usage: node --import tsx train-worker.mts <outDir> [killAtCheckpoint]
//   killAtCheckpoint = n: on the n-th checkpoint write, write half of the temporary file and SIGKILL
//   this process (a kill in the middle of a checkpoint write).
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { encodeSafetensors, tensorToHostSync } from '@anydepth/core';
import { writeFileAtomic } from '@anydepth/core/node';
import { registerTrainingKernels } from '@anydepth/kernels';
import { anyDepthTinyConfig } from '@anydepth/model';
import { createSeededAnyDepth, proceduralSource, trainAnyDepth, trainingVariables } from '../src/index.js';

const [outDir, killAt] = process.argv.slice(2);
await tf.setBackend('wasm');
registerTrainingKernels();
const model = createSeededAnyDepth(anyDepthTinyConfig(), 3);
let writes = 0;
await trainAnyDepth({
  model,
  train: proceduralSource({ count: 12, width: 32, height: 32 }),
  outDir,
  epochs: 3,
  batchSize: 2,
  warmupEpochs: 1,
  seed: 11,
  clipNorm: 1,
  checkpointEvery: 2,
  augment: { flip: true, rotationDegrees: 8 },
  writeCheckpoint(path, bytes) {
    writes++;
    if (killAt && writes === Number(killAt)) {
      const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
      const fd = openSync(tmp, 'w');
      writeSync(fd, bytes, 0, bytes.length >> 1);
      closeSync(fd);
      process.stdout.write(`killing during checkpoint write ${writes}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
    writeFileAtomic(path, bytes);
  },
  onProgress: (p) => process.stdout.write(`step ${p.step}\n`),
});
const tensors: Record<string, ReturnType<typeof tensorToHostSync>> = {};
for (const [name, v] of Object.entries(trainingVariables(model))) tensors[name] = tensorToHostSync(v);
writeFileSync(join(outDir, 'final.safetensors'), encodeSafetensors(tensors));
process.stdout.write('done\n');
