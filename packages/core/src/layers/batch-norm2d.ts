import * as tf from '@tensorflow/tfjs-core';
import { AffineNorm } from './affine-norm.js';

export interface BatchNorm2dOptions {
  eps?: number;
  /** PyTorch convention: running = (1 − momentum)·running + momentum·batch. Default 0.1. */
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over N, H, W of NHWC input, with PyTorch semantics: in training mode it
 * normalises with the biased batch variance and updates the running variance with the unbiased
 * one; in eval mode it uses the running statistics.
 */
export class BatchNorm2d extends AffineNorm {
  readonly runningMean: tf.Variable | null;
  readonly runningVar: tf.Variable | null;
  readonly numBatchesTracked: tf.Variable | null;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: BatchNorm2dOptions = {},
  ) {
    super(numFeatures, options.eps ?? 1e-5, options.affine ?? true);
    this.momentum = options.momentum ?? 0.1;
    if (options.trackRunningStats ?? true) {
      this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures]));
      this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures]));
      this.numBatchesTracked = this.addBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
    } else {
      this.runningMean = this.runningVar = this.numBatchesTracked = null;
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.numFeatures) {
      throw new Error(`BatchNorm2d: expected NHWC input with ${this.numFeatures} channels, got [${x.shape}]`);
    }
    if (!this.usesBatchStatistics) {
      return tf.tidy(() => {
        const { scale, shift } = this.affine();
        return tf.add(tf.mul(x, scale), shift); // [B, H, W, C]
      });
    }
    return tf.tidy(() => {
      const m = tf.moments(x, [0, 1, 2]);
      const mean = m.mean; // [C]
      const variance = m.variance; // [C], biased
      if (this.training && this.runningMean && this.runningVar && this.numBatchesTracked) {
        this.updateRunningStats(mean, variance, x.size / this.numFeatures);
      }
      const { scale, shift } = this.affineFrom(mean, variance);
      return tf.add(tf.mul(x, scale), shift); // [B, H, W, C]
    });
  }

  /** True in training mode or without running statistics: then it normalises with the batch's own. */
  get usesBatchStatistics(): boolean {
    return this.training || !this.runningMean || !this.runningVar;
  }

  /**
   * Eval mode as a per-channel affine map, `bn(x) = x·scale + shift` ([C] each), from the running
   * statistics: what inference folds into the preceding convolution.
   */
  affine(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    if (this.usesBatchStatistics) throw new Error('BatchNorm2d: affine() needs eval mode and running statistics');
    return this.affineFrom(this.runningMean!, this.runningVar!);
  }

  private affineFrom(mean: tf.Tensor, variance: tf.Tensor): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const invStd = tf.rsqrt(tf.add(variance, this.eps));
      const scale = (this.weight ? tf.mul(invStd, this.weight) : invStd) as tf.Tensor1D; // [C]
      const shift = (this.bias ? tf.sub(this.bias, tf.mul(mean, scale)) : tf.neg(tf.mul(mean, scale))) as tf.Tensor1D; // [C]
      return { scale, shift };
    });
  }

  private updateRunningStats(mean: tf.Tensor, variance: tf.Tensor, n: number): void {
    tf.tidy(() => {
      // Variable assignment is not recorded on the gradient tape, so no gradient flows into the statistics.
      const m = this.momentum;
      const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
      this.runningMean!.assign(tf.add(tf.mul(this.runningMean!, 1 - m), tf.mul(mean, m)));
      this.runningVar!.assign(tf.add(tf.mul(this.runningVar!, 1 - m), tf.mul(unbiased, m)));
      this.numBatchesTracked!.assign(tf.add(this.numBatchesTracked!, tf.scalar(1, 'int32')));
    });
  }
}
