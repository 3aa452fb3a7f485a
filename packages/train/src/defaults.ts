/**
 * The paper's training recipe (spec decisions 5–6), declared once: the trainer falls back to these values and
 * `anydepth train --help` prints them from here.
 */
export const TRAIN_DEFAULTS = {
  epochs: 5,
  batchSize: 4,
  lr: 1e-3,
  weightDecay: 1e-2,
  warmupEpochs: 2,
  /** Exponent of the polynomial learning-rate decay after warm-up. */
  power: 0.9,
  seed: 0,
  flip: true,
  /** Maximum absolute rotation in degrees (0 disables). */
  rotationDegrees: 5,
  /**
   * Evenly spaced rotation angles the CLI uses with a feature cache (cached encoder features are reusable only
   * for a finite set of augmentations); the trainer itself never picks a value, it asks for one.
   */
  featureCacheRotationSteps: 5,
} as const;
