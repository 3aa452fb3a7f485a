export interface LrScheduleOptions {
  /** Peak learning rate (spec: 1e-3). */
  baseLr: number;
  /** Steps of linear warm-up (spec: two epochs). */
  warmupSteps: number;
  /** Total optimisation steps (spec: five epochs). */
  totalSteps: number;
  /** Poly decay power (spec: 0.9). */
  power?: number;
}

/**
 * Learning rate for step `step` (0-based, the step about to be taken): linear warm-up from
 * baseLr/warmupSteps to baseLr over `warmupSteps`, then PolyLR `baseLr·(1 − p)^power` where p is the
 * fraction of the post-warm-up steps already taken.
 */
export function learningRateAt(step: number, options: LrScheduleOptions): number {
  const { baseLr, warmupSteps, totalSteps } = options;
  const power = options.power ?? 0.9;
  if (step < warmupSteps) return (baseLr * (step + 1)) / warmupSteps;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const p = Math.min(1, (step - warmupSteps) / decaySteps);
  return baseLr * Math.pow(1 - p, power);
}
