import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type HeadFeature, Rng, ensureGradients } from '@anydepth/core';
import { writeFileAtomic } from '@anydepth/core/node';
import { type AnyDepthLossOptions, anyDepthLoss } from '@anydepth/losses';
import type { AnyDepth } from '@anydepth/model';
import { AdamW } from './adamw.js';
import { type AugmentOptions, type Augmentation, applyAugmentation, augmentationKey, drawAugmentation } from './augment.js';
import { trainingChartPng } from './chart.js';
import { TRAIN_DEFAULTS } from './defaults.js';
import { clipByGlobalNorm } from './clip.js';
import { type SampleSource, type TrainSample, makeBatch, sampleImages } from './data.js';
import { FeatureCache, concatFeatures, disposeFeatures } from './feature-cache.js';
import { learningRateAt } from './schedule.js';
import { type TrainProgressState, encodeTrainCheckpoint, restoreTrainCheckpoint } from './train-checkpoint.js';
import { type ValidationResult, evaluateModel } from './validate.js';

export interface TrainOptions {
  /** The model to train (its encoder frozen); build it the same way (same seed / encoder weights) to resume. */
  model: AnyDepth;
  /** Training samples, all of one size with sides multiples of the patch size. */
  train: SampleSource;
  /** Validation samples (optional). */
  val?: SampleSource;
  /** Output folder: checkpoint.safetensors, train.jsonl, curves.png, features/ (feature cache). */
  outDir: string;
  /** Defaults: TRAIN_DEFAULTS (the spec's 5 epochs, batch 4, AdamW lr 1e-3, wd 1e-2, 2 warm-up epochs, poly 0.9). */
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  warmupEpochs?: number;
  power?: number;
  /** Stop after this many steps in total (the schedule is laid out over min(epochs·stepsPerEpoch, maxSteps)). */
  maxSteps?: number;
  /** Clip gradients to this global L2 norm (default: no clipping). */
  clipNorm?: number;
  /** Seed of the data order and augmentations (default 0). */
  seed?: number;
  augment?: AugmentOptions;
  /** Cache the frozen encoder's features on disk per (sample, augmentation): `true` (outDir/features) or a folder. */
  cacheFeatures?: boolean | string;
  /** Write a checkpoint every N steps (default: every epoch) and always at the end. */
  checkpointEvery?: number;
  /** Validate every N steps (default: every epoch) and at the end, when `val` is given. */
  validateEvery?: number;
  /** Continue from outDir/checkpoint.safetensors when it exists (default true). */
  resume?: boolean;
  loss?: AnyDepthLossOptions;
  /**
   * At a fresh start, set the decoder's last bias (the output conv before `ReLU(x) + 0.001`) to this
   * value (default 1; null keeps the initialiser's). The SSI loss is shift-invariant, so that bias gets
   * no gradient: with the initialiser's ≈0 bias about half the logits start below zero, and on
   * random or weak features the head drifts into the dead-ReLU region (constant output, zero gradient).
   * A positive offset keeps every pixel in the linear part without changing what the loss can express.
   */
  outputBiasInit?: number | null;
  /** Called after every step (progress bars). */
  onProgress?: (info: TrainProgress) => void;
  /** Called after each validation. */
  onValidation?: (step: number, result: ValidationResult) => void;
  /** Writes checkpoint bytes (default: writeFileAtomic). Tests inject failures here. */
  writeCheckpoint?: (path: string, bytes: Uint8Array) => void;
  /** Called with a line of text for notable events (resume, checkpoints). */
  log?: (line: string) => void;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  gradNorm: number;
  samplesPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
}

export interface TrainResult {
  totalSteps: number;
  /** Step the run started from (> 0 when resumed). */
  startStep: number;
  /** Losses of the steps taken in this call. */
  losses: number[];
  validation?: ValidationResult;
  checkpointPath: string;
  logPath: string;
  chartPath: string;
  seconds: number;
  featureCache?: { hits: number; misses: number };
}

function permutation(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function readLog(path: string): Array<Record<string, unknown>> {
  if (!existsSync(path)) return [];
  const rows: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line));
    } catch {
      /* a torn last line from a killed run */
    }
  }
  return rows;
}

/** Trainable parameters and the buffers a training step changes (BatchNorm statistics), by model name. */
export function trainingVariables(model: AnyDepth): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const [name, v] of model.namedParameters()) if (v.trainable) out[name] = v;
  for (const [name, v] of model.namedBuffers()) if (!(model.freezeEncoder && name.startsWith('encoder.'))) out[name] = v;
  return out;
}

/**
 * Trains AnyDepth's decoder on a sample source (spec decisions 5–6): frozen encoder (features computed
 * outside the gradient tape, optionally cached on disk), decoder BatchNorm in training mode, the
 * SSI-MSE + 2·gradient-matching loss on min–max normalised disparity, AdamW with decoupled weight
 * decay, linear warm-up then PolyLR, optional global-norm clipping. Checkpoints hold the trainable
 * weights, BatchNorm buffers, optimiser moments, step, RNG state and data order, written atomically;
 * with `resume` a killed run continues bit-identically. Backend-agnostic: runs on whatever tfjs
 * backend is active (cpu, wasm with training kernels, tensorflow).
 */
export async function trainAnyDepth(options: TrainOptions): Promise<TrainResult> {
  await ensureGradients();
  const { model, train, outDir } = options;
  const batchSize = options.batchSize ?? TRAIN_DEFAULTS.batchSize;
  const epochs = options.epochs ?? TRAIN_DEFAULTS.epochs;
  const baseLr = options.lr ?? TRAIN_DEFAULTS.lr;
  const weightDecay = options.weightDecay ?? TRAIN_DEFAULTS.weightDecay;
  const power = options.power ?? TRAIN_DEFAULTS.power;
  const stepsPerEpoch = Math.floor(train.length / batchSize);
  if (stepsPerEpoch < 1) throw new Error(`trainAnyDepth: ${train.length} training samples are fewer than one batch of ${batchSize}`);
  const totalSteps = Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Infinity);
  const warmupSteps = Math.round((options.warmupEpochs ?? TRAIN_DEFAULTS.warmupEpochs) * stepsPerEpoch);
  const checkpointEvery = options.checkpointEvery ?? stepsPerEpoch;
  const validateEvery = options.validateEvery ?? stepsPerEpoch;
  const augment: AugmentOptions = { ...options.augment };
  const cacheDir = options.cacheFeatures === true ? join(outDir, 'features') : options.cacheFeatures || undefined;
  if (augment.rotationSteps !== undefined && !(Number.isInteger(augment.rotationSteps) && augment.rotationSteps >= 1)) {
    throw new Error(`trainAnyDepth: augment.rotationSteps must be a positive integer, got ${augment.rotationSteps}`);
  }
  if (cacheDir && (augment.rotationDegrees ?? TRAIN_DEFAULTS.rotationDegrees) > 0 && augment.rotationSteps === undefined) {
    throw new Error(
      'trainAnyDepth: cacheFeatures stores encoder features per (sample, augmentation), so rotations must come from a finite set: ' +
        `set augment.rotationSteps (the CLI uses ${TRAIN_DEFAULTS.featureCacheRotationSteps} with --cache-features) or augment.rotationDegrees: 0`,
    );
  }
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  const say = options.log ?? (() => {});
  const writeCheckpoint = options.writeCheckpoint ?? writeFileAtomic;

  mkdirSync(outDir, { recursive: true });
  const checkpointPath = join(outDir, 'checkpoint.safetensors');
  const logPath = join(outDir, 'train.jsonl');
  const chartPath = join(outDir, 'curves.png');
  // Temporary files of atomic writes that were killed are garbage (the targets are always whole): those of
  // this run's files, and of the model.safetensors the CLI writes beside them.
  const stale = /^\.(checkpoint\.safetensors|train\.jsonl|curves\.png|model\.safetensors)\.\d+\.\d+\.tmp$/;
  for (const f of readdirSync(outDir)) if (stale.test(f)) unlinkSync(join(outDir, f));

  const fingerprint = JSON.stringify({
    epochs,
    batchSize,
    baseLr,
    wd: weightDecay,
    warmupSteps,
    power,
    totalSteps,
    clip: options.clipNorm ?? null,
    seed,
    augment,
    n: train.length,
    first: train.id(0),
    last: train.id(train.length - 1),
  });

  const variables = trainingVariables(model);
  const params = model.namedParameters().filter(([, v]) => v.trainable);
  const optimizer = new AdamW(params, { weightDecay });
  const rng = new Rng(seed);
  let state: TrainProgressState = { step: 0, rng: rng.getState(), order: [], orderEpoch: -1, fingerprint };

  if ((options.resume ?? true) && existsSync(checkpointPath)) {
    let restored;
    try {
      restored = restoreTrainCheckpoint(checkpointPath, variables, (p) => {
        if (p.fingerprint !== fingerprint) {
          throw new Error(`trainAnyDepth: ${checkpointPath} belongs to a run with other options (${p.fingerprint}); use another --out or delete it`);
        }
      });
    } catch (e) {
      optimizer.dispose();
      throw e;
    }
    optimizer.setState(restored.optimizer);
    state = restored.progress;
    rng.setState(state.rng);
    const kept = readLog(logPath).filter((r) => Number(r.step) <= state.step);
    writeFileAtomic(logPath, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    say(`resumed from ${checkpointPath} at step ${state.step}/${totalSteps}`);
  } else {
    writeFileAtomic(logPath, '');
    const biasInit = options.outputBiasInit === undefined ? 1 : options.outputBiasInit;
    if (biasInit !== null) {
      const biases = model.decoder.namedParameters('decoder').filter(([n, v]) => n.endsWith('.bias') && v.trainable);
      const last = biases[biases.length - 1];
      if (last) tf.tidy(() => last[1].assign(tf.fill(last[1].shape, biasInit)));
    }
  }
  const startStep = state.step;

  const first = await train.get(0);
  const cache = cacheDir
    ? new FeatureCache(cacheDir, JSON.stringify({ config: model.config ?? null, layers: model.layers, norm: model.norm, size: [first.width, first.height] }))
    : undefined;

  const encodeBatch = (images: tf.Tensor4D, samples: TrainSample[], augs: Augmentation[]): HeadFeature[] => {
    if (!cache) return tf.tidy(() => model.encode(images) as unknown as tf.TensorContainer) as unknown as HeadFeature[];
    const perSample = samples.map((s, b) => {
      const key = `${s.id}.${augmentationKey(augs[b])}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const image = sampleImages([s]); // [1, H, W, 3]
      const f = tf.tidy(() => model.encode(image) as unknown as tf.TensorContainer) as unknown as HeadFeature[];
      image.dispose();
      cache.put(key, f);
      return f;
    });
    const out = concatFeatures(perSample);
    perSample.forEach(disposeFeatures);
    return out;
  };

  const saveCheckpoint = () => {
    state.rng = rng.getState();
    const bytes = encodeTrainCheckpoint({ progress: state, variables, optimizer: optimizer.getState() });
    writeCheckpoint(checkpointPath, bytes);
    writeFileAtomic(chartPath, trainingChartPng(readLog(logPath)));
    say(`checkpoint at step ${state.step}`);
  };

  let validation: ValidationResult | undefined;
  const validate = async () => {
    if (!options.val) return;
    validation = await evaluateModel(model, options.val);
    // Idempotent: re-running a finished run validates again (to return the result) but logs each step once.
    const logged = readLog(logPath).some((r) => r.type === 'val' && Number(r.step) === state.step);
    if (!logged) {
      appendFileSync(
        logPath,
        JSON.stringify({ type: 'val', step: state.step, absRel: validation.metrics.absRel, delta1: validation.metrics.delta1, images: validation.images }) +
          '\n',
      );
    }
    options.onValidation?.(state.step, validation);
  };

  const losses: number[] = [];
  const t0 = performance.now();
  model.train();
  try {
    while (state.step < totalSteps) {
      const tStep = performance.now();
      const epoch = Math.floor(state.step / stepsPerEpoch);
      if (state.orderEpoch !== epoch) {
        state.order = permutation(train.length, rng);
        state.orderEpoch = epoch;
      }
      const pos = state.step % stepsPerEpoch;
      const indices = state.order.slice(pos * batchSize, (pos + 1) * batchSize);
      const augs = indices.map(() => drawAugmentation(rng, augment));
      const samples: TrainSample[] = [];
      for (let b = 0; b < indices.length; b++) samples.push(applyAugmentation(await train.get(indices[b]), augs[b]));
      const { images, target, mask } = makeBatch(samples);
      const features = encodeBatch(images, samples, augs);
      images.dispose();
      const [B, H, W] = target.shape;
      const lr = learningRateAt(state.step, { baseLr, warmupSteps, totalSteps, power });

      const varList = params.map(([, v]) => v);
      const { value, grads } = tf.variableGrads(() => {
        const pred = model.forwardFeatures(features); // [B, H', W', 1]
        if (pred.shape[1] !== H || pred.shape[2] !== W) {
          throw new Error(
            `trainAnyDepth: prediction is ${pred.shape[1]}x${pred.shape[2]}, target ${H}x${W}: use sides that are multiples of ${model.patchSize}`,
          );
        }
        return anyDepthLoss(tf.reshape(pred, [B, H, W]) as tf.Tensor3D, target, mask, options.loss);
      }, varList);
      const byName: Record<string, tf.Tensor> = {};
      for (const [name, v] of params) if (grads[v.name]) byName[name] = grads[v.name];
      const clipped = clipByGlobalNorm(byName, options.clipNorm);
      optimizer.step(clipped.grads, lr);
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(clipped.grads), target, mask]);
      disposeFeatures(features);
      if (!Number.isFinite(loss)) throw new Error(`trainAnyDepth: loss became ${loss} at step ${state.step} (lower --lr or set --clip-norm)`);
      losses.push(loss);
      state.step++;

      const now = performance.now();
      const elapsed = (now - t0) / 1000;
      const done = state.step - startStep;
      const sps = (batchSize * done) / Math.max(elapsed, 1e-9);
      appendFileSync(
        logPath,
        JSON.stringify({ type: 'train', step: state.step, epoch, loss, lr, gradNorm: clipped.norm, samplesPerSecond: batchSize / ((now - tStep) / 1000) }) +
          '\n',
      );
      options.onProgress?.({
        step: state.step,
        totalSteps,
        epoch,
        loss,
        lr,
        gradNorm: clipped.norm,
        samplesPerSecond: sps,
        elapsedSeconds: elapsed,
        etaSeconds: ((totalSteps - state.step) * elapsed) / Math.max(done, 1),
      });
      if (options.val && (state.step % validateEvery === 0 || state.step === totalSteps)) await validate();
      if (state.step % checkpointEvery === 0 || state.step === totalSteps) saveCheckpoint();
    }
    if (startStep === totalSteps && options.val) await validate();
  } finally {
    optimizer.dispose();
  }
  if (!existsSync(chartPath)) writeFileAtomic(chartPath, trainingChartPng(readLog(logPath)));
  return {
    totalSteps,
    startStep,
    losses,
    validation,
    checkpointPath,
    logPath,
    chartPath,
    seconds: (performance.now() - t0) / 1000,
    featureCache: cache ? { hits: cache.hits, misses: cache.misses } : undefined,
  };
}
