#!/usr/bin/env node
// `npm run demo`: the README's main job, end to end on the CPU with no download.
//   1. renders procedural RGB-D rooms (ray-cast, exact depth),
//   2. scores them with the data-quality scores and drops the worst 20 % (data-quality.md),
//   3. trains a tiny AnyDepth (D 128, 4 blocks, 2 heads, C 32; encoder random-init and FROZEN — no
//      pretrained DINOv3 weights can be downloaded here, so only the SDT decoder learns) on the wasm
//      backend with the training kernels, with a progress bar,
//   4. evaluates on held-out scenes against the constant-disparity baseline (AbsRel, δ1),
//   5. writes out/demo/model.safetensors (the whole model, encoder included), a depth image of a held-out
//      scene, the training log (train.jsonl) and the curves (curves.png).
// Options: --minutes <m> training budget (default 3), --size <px> (default 64), --scenes <n> (default 160),
//          --out <dir> (default out/demo), --no-build (skip `turbo run build`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    size: { type: 'string', default: '64' },
    scenes: { type: 'string', default: '160' },
    val: { type: 'string', default: '32' },
    out: { type: 'string', default: join(root, 'out', 'demo') },
    seed: { type: 'string', default: '0' },
    'no-build': { type: 'boolean' },
  },
});
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)}s`;
const say = (s) => console.log(`[demo ${elapsed()}] ${s}`);

if (!args['no-build']) {
  say('building the packages (turbo, cached after the first run)…');
  execFileSync('npx', ['turbo', 'run', 'build', '--filter=@anydepth/cli...', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
}

const tf = await import('@tensorflow/tfjs-core');
const { useBackend, writeFileAtomic } = await import('@anydepth/core').then(async (core) => ({ ...core, ...(await import('@anydepth/core/node')) }));
const { proceduralScene } = await import('@anydepth/procedural');
const { scoreDepthMap, selectSamples, selectionReport } = await import('@anydepth/data-quality');
const { registerTrainingKernels } = await import('@anydepth/kernels');
const { anyDepthTinyConfig, saveAnyDepth, colorize, encodePng } = await import('@anydepth/model');
const train = await import('@anydepth/train');
const { Progress } = await import('@anydepth/cli');

const size = Number(args.size);
const nScenes = Number(args.scenes);
const nVal = Number(args.val);
const seed = Number(args.seed);
const budgetSeconds = Number(args.minutes) * 60;
const outDir = resolve(args.out);
mkdirSync(outDir, { recursive: true });

// 1–2. Scenes and the quality filter.
say(`rendering ${nScenes} training + ${nVal} held-out procedural rooms at ${size}×${size}…`);
const records = [];
for (let i = 0; i < nScenes; i++) {
  const s = proceduralScene(i, { width: size, height: size });
  records.push({ id: `scene-${i}`, path: `procedural:${i}`, dataset: 'procedural', ...scoreDepthMap(s.depth, size, size, { mask: s.valid }) });
}
const selection = selectSamples(records);
const kept = new Set(selection.kept.map((r) => r.id));
say(`quality filter kept ${kept.size}/${nScenes} scenes`);
console.log(
  selectionReport(records, selection)
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n'),
);

const trainSource = train.keptSource(train.proceduralSource({ count: nScenes, width: size, height: size }), kept);
const valSource = train.proceduralSource({ count: nVal, firstSeed: 1_000_000, width: size, height: size });

// 3. Training on the wasm backend with the training kernels (cpu backend as the fallback).
const backend = await useBackend('wasm').catch(() => useBackend('cpu'));
registerTrainingKernels({ backends: [backend === 'wasm' ? 'wasm' : 'cpu'] });
const batchSize = 4;
const recipe = {
  batchSize,
  lr: 2e-3, // a short run: twice the paper's 1e-3, with global-norm clipping
  clipNorm: 1,
  weightDecay: 1e-2,
  power: 0.9,
  augment: { flip: true, rotationDegrees: 5 },
  seed,
};

// Calibrate the step time on this machine (steps 2–4 of a throwaway run), then size the run to the budget.
const marks = [];
await train.trainAnyDepth({
  model: train.createSeededAnyDepth(anyDepthTinyConfig(), seed + 1),
  train: trainSource,
  outDir: join(outDir, 'calibration'),
  epochs: 1,
  maxSteps: 4,
  resume: false,
  ...recipe,
  onProgress: (p) => marks.push(p.elapsedSeconds),
});
rmSync(join(outDir, 'calibration'), { recursive: true, force: true });
const stepSeconds = (marks[3] - marks[0]) / 3;
const stepsPerEpoch = Math.floor(trainSource.length / batchSize);
const steps = Math.max(stepsPerEpoch, Math.floor(budgetSeconds / stepSeconds));
const epochs = Math.ceil(steps / stepsPerEpoch);
say(
  `backend ${backend}: ~${stepSeconds.toFixed(2)} s/step → ${steps} steps (${(steps / stepsPerEpoch).toFixed(1)} epochs of ${stepsPerEpoch}) in ~${args.minutes} min`,
);

const model = train.createSeededAnyDepth(anyDepthTinyConfig(), seed);
say(
  `tiny AnyDepth: ${model.numParameters()} parameters, ${model.numParameters({ trainableOnly: true })} trainable (decoder; encoder frozen at its random init)`,
);
const runDir = join(outDir, 'run');
rmSync(runDir, { recursive: true, force: true });
let progress;
say(`training ${steps} steps…`);
const result = await train.trainAnyDepth({
  model,
  train: trainSource,
  val: valSource,
  outDir: runDir,
  epochs,
  maxSteps: steps,
  warmupEpochs: (0.1 * steps) / stepsPerEpoch, // short run: 10 % warm-up (the paper: 2 of 5 epochs)
  validateEvery: Math.max(1, Math.floor(steps / 4)),
  resume: false,
  ...recipe,
  onProgress: (p) => {
    if (!progress)
      progress = new Progress(p.totalSteps - 1, 'train', process.stderr, 1000); // rate and ETA from step 2 on
    else progress.tick(1, `loss ${p.loss.toFixed(4)}`);
  },
});
const k = Math.max(3, Math.floor(result.losses.length / 10));
const first = result.losses.slice(0, k);
const last = result.losses.slice(-k);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

// The SSI loss leaves the sign of the output free; orient it (exactly, on training scenes) so that the saved
// model's raw output is near = large disparity, as viewers of raw outputs expect.
const orientation = await train.orientDisparity(
  model,
  train.subsetSource(
    trainSource,
    Array.from({ length: Math.min(16, trainSource.length) }, (_, i) => i),
  ),
);
say(
  orientation.flipped
    ? `the model learned inverted disparity on ${orientation.negative}/${orientation.negative + orientation.positive} training scenes: negated its 1×1 output conv (an exact affine flip)`
    : `output orientation: near = large disparity on ${orientation.positive}/${orientation.negative + orientation.positive} training scenes`,
);

// 4. Held-out evaluation against the best constant disparity.
const ours = await train.evaluateModel(model, valSource);
const baseline = await train.constantDisparityBaseline(valSource);
const row = (name, m) => `| ${name.padEnd(34)} | ${m.absRel.toFixed(4)} | ${(100 * m.delta1).toFixed(1).padStart(5)} % |`;
console.log(
  [
    '',
    `Held-out procedural rooms (${ours.images} scenes, ${size}×${size}), least-squares disparity alignment:`,
    '| method                             | AbsRel ↓ | δ1 ↑    |',
    '|---|---|---|',
    row('constant disparity (oracle mean)', baseline.metrics),
    row(`tiny AnyDepth, ${result.totalSteps} steps`, ours.metrics),
    '',
    `training loss (batch means): first ${k} steps ${mean(first).toFixed(4)} → last ${k} steps ${mean(last).toFixed(4)} (×${(mean(first) / mean(last)).toFixed(2)} lower)`,
  ].join('\n'),
);

// 5. Outputs: the trained model and a depth image (RGB | ground-truth disparity | prediction).
const weightsPath = join(outDir, 'model.safetensors');
writeFileAtomic(weightsPath, await saveAnyDepth(model, { 'anydepth.demo': `procedural ${size}px, ${result.totalSteps} steps` }));
const sample = await valSource.get(0);
const batch = train.makeBatch([sample]);
model.eval();
const pred = model.forward(batch.images);
const disparity = pred.dataSync();
tf.dispose([pred, batch.images, batch.target, batch.mask]);
const gtDisp = Float32Array.from(sample.depth, (d) => (d > 0 && Number.isFinite(d) ? 1 / d : 0));
// The prediction is affine-invariant disparity (its scale, even its sign, is free under the SSI loss):
// show it after the evaluation's least-squares alignment to the ground-truth disparity, on one colour range.
let [sxx, sx, sxy, sy, n] = [0, 0, 0, 0, 0];
for (let i = 0; i < gtDisp.length; i++) {
  if (!(gtDisp[i] > 0)) continue;
  sxx += disparity[i] * disparity[i];
  sx += disparity[i];
  sxy += disparity[i] * gtDisp[i];
  sy += gtDisp[i];
  n++;
}
const det = sxx * n - sx * sx;
const scale = det ? (sxy * n - sx * sy) / det : 0;
const shift = det ? (sxx * sy - sx * sxy) / det : sy / n;
const aligned = Float32Array.from(disparity, (d) => scale * d + shift);
let lo = Infinity;
let hi = -Infinity;
for (const d of gtDisp) if (d > 0) (lo = Math.min(lo, d)), (hi = Math.max(hi, d));
const panels = [Uint8ClampedArray.from(sample.rgb), colorize(gtDisp, { min: lo, max: hi }), colorize(aligned, { min: lo, max: hi })];
say(`sample: raw prediction → ground-truth disparity by least squares: scale ${scale.toExponential(3)}, shift ${shift.toFixed(4)}`);
const W = size * 3 + 8;
const image = new Uint8Array(W * size * 3).fill(255);
panels.forEach((p, k) => {
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) image[(y * W + k * (size + 4) + x) * 3 + c] = p[(y * size + x) * 3 + c];
});
const depthPath = join(outDir, 'depth.png');
writeFileAtomic(depthPath, encodePng(image, W, size, { colorType: 2, bitDepth: 8 }));
model.dispose();
say(`wrote ${weightsPath}, ${depthPath} (RGB | ground-truth disparity | aligned prediction), ${result.logPath}, ${result.chartPath}`);
say(`done in ${elapsed()}`);
console.log(
  [
    '',
    'Note: out/demo/model.safetensors is a TOY — a random frozen encoder and a few minutes of training on procedural',
    'rooms. It shows the pipeline end to end; on real photos its depth is not meaningful. For real depth, run official',
    'weights: `npx anydepth predict photo.jpg --weights <official AnyDepth .pth>` or a Depth Anything V2 checkpoint',
    '(see the README section "Real weights").',
  ].join('\n'),
);
