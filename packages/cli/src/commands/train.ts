import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendName } from '@anydepth/core';
import { openSafetensors, writeFileAtomic } from '@anydepth/core/node';
import { listSamples } from '@anydepth/datasets/node';
import { registerTrainingKernels } from '@anydepth/kernels';
import { type AnyDepth, getPreset, listPresets, loadAnyDepthWeights, loadEncoderWeights, saveAnyDepth } from '@anydepth/model';
import { presetHelp } from '@anydepth/model/internal';
import {
  type SampleSource,
  TRAIN_DEFAULTS,
  constantDisparityBaseline,
  createSeededAnyDepth,
  datasetSource,
  orientDisparity,
  proceduralSource,
  subsetSource,
  trainAnyDepth,
} from '@anydepth/train';
import { startBackend } from '../backend.js';
import { CliError, UsageError } from '../errors.js';
import { Progress } from '../progress.js';

/** The CLI's data defaults (the trainer's own defaults are TRAIN_DEFAULTS in @anydepth/train). */
export const CLI_DATA_DEFAULTS = { procedural: 256, valProcedural: 32, size: 64 } as const;

/** The preset `anydepth train` builds without --model (the old spelling 'tiny' still works). */
export const DEFAULT_TRAIN_MODEL = 'anydepth-tiny';

export const TRAIN_HELP = `Usage: anydepth train --out <dir> [--config <file.json>] [options]

Trains the AnyDepth decoder (frozen encoder) with the paper's recipe: SSI-MSE + 2·gradient matching on
min–max normalised disparity, AdamW (lr ${TRAIN_DEFAULTS.lr}, weight decay ${TRAIN_DEFAULTS.weightDecay}), ${TRAIN_DEFAULTS.warmupEpochs} warm-up epochs then poly ${TRAIN_DEFAULTS.power}, ${TRAIN_DEFAULTS.epochs} epochs,
flips and rotations up to ${TRAIN_DEFAULTS.rotationDegrees}°. Checkpoints every epoch; re-running the same command resumes a killed run.
Options in --config use the same names in camelCase (e.g. {"batchSize": 8}); flags override them.

Data (procedural rooms unless --dataset is given):
  --procedural <n>        procedural training scenes (default ${CLI_DATA_DEFAULTS.procedural})
  --val-procedural <n>    held-out procedural scenes for validation (default ${CLI_DATA_DEFAULTS.valProcedural})
  --size <px>             training resolution, a multiple of 16 (default ${CLI_DATA_DEFAULTS.size})
  --dataset <name>        train on a dataset (hypersim, vkitti2, …) under --root
  --root <dir>            dataset root
  --split <file>          dataset split/list file
  --kept <file>           kept-list from the quality filter (anydepth score / data-quality)
  --val-dataset <name>    validation dataset (with --val-root)
  --val-root <dir>
Model:
  --model <preset>        the model to train (default ${DEFAULT_TRAIN_MODEL}; 'tiny' = ${DEFAULT_TRAIN_MODEL}):
${presetHelp('anydepth', '                            ')}
  --weights <file>        initial weights: a DINOv3 encoder or an AnyDepth checkpoint (.safetensors)
  --seed <n>              model init, data order and augmentation seed (default ${TRAIN_DEFAULTS.seed})
Optimisation:
  --epochs <n> (${TRAIN_DEFAULTS.epochs})  --batch-size <n> (${TRAIN_DEFAULTS.batchSize})  --lr <x> (${TRAIN_DEFAULTS.lr})  --weight-decay <x> (${TRAIN_DEFAULTS.weightDecay})
  --warmup-epochs <x> (${TRAIN_DEFAULTS.warmupEpochs})  --max-steps <n>  --clip-norm <x>
  --rotation <deg>        maximum rotation augmentation (default ${TRAIN_DEFAULTS.rotationDegrees}; 0 disables)
  --rotation-steps <n>    draw the rotation from n evenly spaced angles (default: continuous;
                          ${TRAIN_DEFAULTS.featureCacheRotationSteps} with --cache-features, which needs a finite set)
  --no-flip               disable horizontal flips (default: flips ${TRAIN_DEFAULTS.flip ? 'on' : 'off'})
  --cache-features        cache the frozen encoder's features on disk (<out>/features)
  --recompute             recompute the SDT head's blocks in the backward pass instead of keeping their
                          activations (one extra head forward per step; batch 2 at 256 px then fits wasm's 4 GiB)
  --checkpoint-every <n>  steps between checkpoints (default: one epoch)
  --validate-every <n>    steps between validations (default: one epoch)
  --no-resume             start over even if <out>/checkpoint.safetensors exists
Runtime:
  --backend <name>        auto | tensorflow | wasm | cpu (default auto). tensorflow = @tensorflow/tfjs-node-gpu
                          (CUDA 11.2 + cuDNN 8.1) or @tensorflow/tfjs-node; wasm/cpu get the training kernels
  -h, --help              show this help

Writes <out>/model.safetensors (the trained model), checkpoint.safetensors, train.jsonl, curves.png.
`;

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];

const OPTIONS = {
  config: { type: 'string' },
  out: { type: 'string' },
  procedural: { type: 'string' },
  'val-procedural': { type: 'string' },
  size: { type: 'string' },
  dataset: { type: 'string' },
  root: { type: 'string' },
  split: { type: 'string' },
  kept: { type: 'string' },
  'val-dataset': { type: 'string' },
  'val-root': { type: 'string' },
  model: { type: 'string' },
  weights: { type: 'string' },
  seed: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'weight-decay': { type: 'string' },
  'warmup-epochs': { type: 'string' },
  'max-steps': { type: 'string' },
  'clip-norm': { type: 'string' },
  rotation: { type: 'string' },
  'rotation-steps': { type: 'string' },
  'no-flip': { type: 'boolean' },
  'cache-features': { type: 'boolean' },
  recompute: { type: 'boolean' },
  'checkpoint-every': { type: 'string' },
  'validate-every': { type: 'string' },
  'no-resume': { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Merged settings: flags over the config file; values are strings/booleans as given. */
function settings(values: Record<string, unknown>): Record<string, unknown> {
  let fromFile: Record<string, unknown> = {};
  if (typeof values.config === 'string') {
    if (!existsSync(values.config)) throw new UsageError(`train: config file not found: ${values.config}`);
    try {
      fromFile = JSON.parse(readFileSync(values.config, 'utf8'));
    } catch (e) {
      throw new UsageError(`train: ${values.config} is not valid JSON (${(e as Error).message})`);
    }
    const known = new Set(Object.keys(OPTIONS).map(camel));
    const unknown = Object.keys(fromFile).filter((k) => !known.has(k));
    if (unknown.length) throw new UsageError(`train: unknown option(s) in ${values.config}: ${unknown.join(', ')}`);
  }
  const out: Record<string, unknown> = { ...fromFile };
  for (const [flag, v] of Object.entries(values)) if (v !== undefined) out[camel(flag)] = v;
  return out;
}

function num(s: Record<string, unknown>, key: string, fallback: number | undefined, check: (n: number) => boolean, what: string): number | undefined {
  const raw = s[key];
  if (raw === undefined || raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`train: --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be ${what}, got '${raw}'`);
  return n;
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

function buildModel(name: string, seed: number): AnyDepth {
  const preset = name === 'tiny' ? DEFAULT_TRAIN_MODEL : name;
  if (!listPresets('anydepth').includes(preset)) throw new UsageError(`train: unknown model '${name}' (choose ${listPresets('anydepth').join(', ')})`);
  return createSeededAnyDepth(getPreset(preset, 'anydepth').config(), seed);
}

function loadInitialWeights(model: AnyDepth, path: string, log: (s: string) => void): void {
  if (!existsSync(path)) throw new CliError(`train: weights not found: ${path}`);
  const opened = openSafetensors(path);
  try {
    const keys = [...opened.source.keys()];
    if (keys.some((k) => k.startsWith('decoder.'))) {
      loadAnyDepthWeights(model, opened.source, { strict: false });
      log(`initialised encoder and decoder from ${path}`);
    } else {
      loadEncoderWeights(model, opened.source, { strict: true });
      log(`initialised the encoder from ${path}`);
    }
  } catch (e) {
    throw new CliError(`train: cannot load '${path}': ${(e as Error).message.split('\n')[0]}`);
  } finally {
    opened.close();
  }
}

function datasetOrProcedural(s: Record<string, unknown>, which: 'train' | 'val', size: number): SampleSource | undefined {
  const dataset = (which === 'train' ? s.dataset : s.valDataset) as string | undefined;
  const root = (which === 'train' ? s.root : s.valRoot) as string | undefined;
  if (dataset) {
    if (!root) throw new UsageError(`train: --${which === 'train' ? 'root' : 'val-root'} is required with --${which === 'train' ? 'dataset' : 'val-dataset'}`);
    try {
      const samples = listSamples(dataset, root, { split: which === 'train' ? (s.split as string | undefined) : undefined });
      return datasetSource(samples, { width: size, height: size, keptList: which === 'train' ? (s.kept as string | undefined) : undefined });
    } catch (e) {
      throw new CliError(`train: ${(e as Error).message}`);
    }
  }
  if (which === 'train') {
    const n = num(s, 'procedural', CLI_DATA_DEFAULTS.procedural, positiveInt, 'a positive integer')!;
    return proceduralSource({ count: n, width: size, height: size });
  }
  if (s.dataset && s.valProcedural === undefined) return undefined;
  const n = num(s, 'valProcedural', CLI_DATA_DEFAULTS.valProcedural, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0')!;
  return n ? proceduralSource({ count: n, firstSeed: 1_000_000, width: size, height: size }) : undefined;
}

export async function runTrain(argv: string[], log: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false });
  if (values.help) {
    log(TRAIN_HELP);
    return 0;
  }
  const s = settings(values as Record<string, unknown>);
  const out = s.out as string | undefined;
  if (!out) throw new UsageError('train: --out is required (see anydepth train --help)');
  const size = num(s, 'size', CLI_DATA_DEFAULTS.size, (n) => positiveInt(n) && n % 16 === 0, 'a positive multiple of 16')!;
  const backendName = String(s.backend ?? 'auto');
  if (!BACKENDS.includes(backendName)) throw new UsageError(`train: unknown backend '${backendName}' (choose ${BACKENDS.join(', ')})`);
  const seed = num(s, 'seed', TRAIN_DEFAULTS.seed, Number.isInteger, 'an integer')!;
  const options = {
    epochs: num(s, 'epochs', TRAIN_DEFAULTS.epochs, positiveInt, 'a positive integer'),
    batchSize: num(s, 'batchSize', TRAIN_DEFAULTS.batchSize, positiveInt, 'a positive integer'),
    lr: num(s, 'lr', TRAIN_DEFAULTS.lr, (n) => n > 0, 'positive'),
    weightDecay: num(s, 'weightDecay', TRAIN_DEFAULTS.weightDecay, (n) => n >= 0, '≥ 0'),
    warmupEpochs: num(s, 'warmupEpochs', TRAIN_DEFAULTS.warmupEpochs, (n) => n >= 0, '≥ 0'),
    maxSteps: num(s, 'maxSteps', undefined, positiveInt, 'a positive integer'),
    clipNorm: num(s, 'clipNorm', undefined, (n) => n > 0, 'positive'),
    checkpointEvery: num(s, 'checkpointEvery', undefined, positiveInt, 'a positive integer'),
    validateEvery: num(s, 'validateEvery', undefined, positiveInt, 'a positive integer'),
    augment: {
      flip: !s.noFlip,
      rotationDegrees: num(s, 'rotation', TRAIN_DEFAULTS.rotationDegrees, (n) => n >= 0 && n <= 45, 'in [0, 45]'),
      rotationSteps: num(s, 'rotationSteps', s.cacheFeatures ? TRAIN_DEFAULTS.featureCacheRotationSteps : undefined, positiveInt, 'a positive integer'),
    },
  };
  const train = datasetOrProcedural(s, 'train', size)!;
  const val = datasetOrProcedural(s, 'val', size);

  const backend = await startBackend(backendName as BackendName, log, { winograd: true });
  if (backend === 'wasm' || backend === 'cpu') registerTrainingKernels({ backends: [backend] });
  const model = buildModel(String(s.model ?? DEFAULT_TRAIN_MODEL), seed);
  if (s.weights) loadInitialWeights(model, String(s.weights), log);
  if (s.recompute) {
    if (!('recompute' in model.decoder)) throw new UsageError('train: --recompute needs an SDT head');
    (model.decoder as { recompute: boolean }).recompute = true;
    log("recompute: the head's blocks are recomputed in the backward pass");
  }
  log(
    `backend ${backend}; ${train.length} training sample(s)${val ? `, ${val.length} validation` : ''} at ${size}×${size}; ${model.numParameters({ trainableOnly: true })} trainable parameters → ${out}`,
  );

  let progress: Progress | undefined;
  const result = await trainAnyDepth({
    model,
    train,
    val,
    outDir: out,
    seed,
    ...options,
    cacheFeatures: !!s.cacheFeatures,
    resume: !s.noResume,
    log,
    onProgress: (p) => {
      // The bar starts after the first step (the total is known from then on, and the first step's set-up is not a rate).
      if (!progress) progress = p.step < p.totalSteps ? new Progress(p.totalSteps - p.step, 'train') : undefined;
      else progress.tick(1, `loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)}`);
    },
    onValidation: (step, r) => log(`step ${step}: validation AbsRel ${r.metrics.absRel.toFixed(4)} δ1 ${r.metrics.delta1.toFixed(4)} (${r.images} images)`),
  });
  // The SSI loss leaves the output's sign free: orient it on training samples (an exact flip of the 1×1 output conv).
  const orientation = await orientDisparity(
    model,
    subsetSource(
      train,
      Array.from({ length: Math.min(32, train.length) }, (_, i) => i),
    ),
  );
  if (orientation.flipped)
    log(`the model learned inverted disparity (${orientation.negative}/${orientation.negative + orientation.positive} samples): negated its output conv`);
  const weightsPath = join(out, 'model.safetensors');
  writeFileAtomic(weightsPath, await saveAnyDepth(model, { 'anydepth.trained_steps': String(result.totalSteps) }));
  if (val && result.validation) {
    const base = await constantDisparityBaseline(val);
    log(
      `held-out AbsRel ${result.validation.metrics.absRel.toFixed(4)} δ1 ${result.validation.metrics.delta1.toFixed(4)}; constant-disparity baseline AbsRel ${base.metrics.absRel.toFixed(4)} δ1 ${base.metrics.delta1.toFixed(4)}`,
    );
  }
  log(`wrote ${weightsPath}, ${result.logPath}, ${result.chartPath}`);
  model.dispose();
  return 0;
}
