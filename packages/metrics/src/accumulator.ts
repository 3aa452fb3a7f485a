import { type DepthEvaluation, type EvaluateDepthOptions, evaluateDepth } from './evaluate.js';
import { type DepthMetrics, METRIC_KEYS } from './metrics.js';

export interface DepthMetricSummary {
  /** Images that contributed (had at least one valid pixel). */
  count: number;
  /** Images skipped for having no valid pixel. */
  skipped: number;
  /** Ids (or running indices) of the skipped images. */
  skippedIds: string[];
  /** Mean over images of each per-image metric (NaN for every key when count = 0). */
  metrics: DepthMetrics;
  /** Totals over all images of the non-finite values found (excluded from the masks). */
  nonFinitePred: number;
  nonFiniteGt: number;
  /** Total valid pixels over the contributing images. */
  validPixels: number;
}

/**
 * Averages per-image metrics over a dataset (the reported number is the mean over images, as
 * Marigold's MetricTracker and DINOv3's nanmean do), counting images with no valid pixel as skipped.
 * Sums are float64.
 */
export class DepthMetricAccumulator {
  private readonly sums: Record<keyof DepthMetrics, number> = Object.fromEntries(METRIC_KEYS.map((k) => [k, 0])) as Record<keyof DepthMetrics, number>;
  private images = 0;
  private readonly skippedList: string[] = [];
  private seen = 0;
  private nonFinitePred = 0;
  private nonFiniteGt = 0;
  private validPixels = 0;

  /** Adds one image's evaluation. `id` names it in `skippedIds` (default: its running index). */
  add(result: DepthEvaluation, id?: string): void {
    const name = id ?? String(this.seen);
    this.seen++;
    this.nonFinitePred += result.nonFinitePred;
    this.nonFiniteGt += result.nonFiniteGt;
    if (result.skipped || result.validPixels === 0) {
      this.skippedList.push(name);
      return;
    }
    for (const k of METRIC_KEYS) {
      const v = result[k];
      if (!Number.isFinite(v))
        throw new Error(`DepthMetricAccumulator: image ${name} has a non-finite ${k} (${v}) although it has ${result.validPixels} valid pixels`);
      this.sums[k] += v;
    }
    this.images++;
    this.validPixels += result.validPixels;
  }

  /** Evaluates one image with `evaluateDepth` and adds it; returns the per-image result. */
  evaluate(pred: ArrayLike<number>, gt: ArrayLike<number>, options: EvaluateDepthOptions, id?: string): DepthEvaluation {
    const result = evaluateDepth(pred, gt, options);
    this.add(result, id);
    return result;
  }

  get count(): number {
    return this.images;
  }

  get skipped(): number {
    return this.skippedList.length;
  }

  summary(): DepthMetricSummary {
    const metrics = Object.fromEntries(METRIC_KEYS.map((k) => [k, this.images ? this.sums[k] / this.images : Number.NaN])) as unknown as DepthMetrics;
    return {
      count: this.images,
      skipped: this.skippedList.length,
      skippedIds: [...this.skippedList],
      metrics,
      nonFinitePred: this.nonFinitePred,
      nonFiniteGt: this.nonFiniteGt,
      validPixels: this.validPixels,
    };
  }

  reset(): void {
    for (const k of METRIC_KEYS) this.sums[k] = 0;
    this.images = 0;
    this.seen = 0;
    this.skippedList.length = 0;
    this.nonFinitePred = 0;
    this.nonFiniteGt = 0;
    this.validPixels = 0;
  }
}
