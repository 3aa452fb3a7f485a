import * as tf from '@tensorflow/tfjs-core';
import { compareClose, registerGradients, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyDepthLossTerms, computeScaleAndShift, dav1LossTerms, normalizeRobust, trimmedMaeLoss, trimmedProcrustesLossTerms } from '../src/index.js';
import { type FixtureTensor, get, readFixture } from '@anydepth/test-utils/fixture-reader';

const RTOL = 1e-5;
/**
 * Elementwise |a − e| ≤ RTOL·|e| + ATOL_FLOOR·max|e|: rtol 1e-5 as the acceptance asks, plus a floor of
 * 1e-6 of the tensor's largest magnitude, so that entries that cancel to ~0 (s·p + t near 0, gradients
 * at pixels whose contributions nearly cancel) are judged against float32 round-off of the tensor's
 * scale. The fixture's own float32 run differs from its float64 reference by up to 5.9e-7 (pred_ssi,
 * |max| 1.05) — the same order as this floor.
 */
const ATOL_FLOOR = 1e-6;

const worst: { label: string; maxAbs: number; maxRel: number }[] = [];

function check(actual: tf.Tensor | ArrayLike<number>, expected: FixtureTensor | ArrayLike<number>, label: string): void {
  const a = actual instanceof tf.Tensor ? actual.dataSync() : actual;
  const e = 'data' in (expected as FixtureTensor) ? (expected as FixtureTensor).data : (expected as ArrayLike<number>);
  let peak = 0;
  for (let i = 0; i < e.length; i++) peak = Math.max(peak, Math.abs(e[i]));
  const r = compareClose(a, e, { rtol: RTOL, atol: ATOL_FLOOR * peak, label });
  worst.push({ label, maxAbs: r.maxAbs, maxRel: r.maxRel });
  expect(r.ok, r.message).toBe(true);
}

/** Registers the fixture-parity suite for both loss fixture files on one backend. */
export function parityTests(BACKEND: 'cpu' | 'wasm'): void {
  for (const file of ['losses.safetensors', 'losses_zero_mask.safetensors']) {
    describe(`${file} parity (${BACKEND})`, () => {
      const f = readFixture(file);
      let prediction: tf.Tensor3D;
      let target: tf.Tensor3D;
      let mask: tf.Tensor3D;

      beforeAll(async () => {
        await setBackend(BACKEND);
        await registerGradients();
        const p = get(f, 'input.prediction');
        prediction = tf.tensor3d(p.data as Float32Array, p.shape as [number, number, number]);
        target = tf.tensor3d(get(f, 'input.target').data as Float32Array, p.shape as [number, number, number]);
        mask = tf.tensor3d(get(f, 'input.mask').data as Uint8Array, p.shape as [number, number, number], 'int32');
      });
      afterAll(() => {
        tf.dispose([prediction, target, mask]);
        for (const w of worst.splice(0)) console.log(`${file} ${w.label}: max abs ${w.maxAbs.toExponential(2)} max rel ${w.maxRel.toExponential(2)}`);
      });

      it('scale, shift and the aligned prediction', () => {
        tf.tidy(() => {
          const { scale, shift } = computeScaleAndShift(prediction, target, mask);
          check(scale, get(f, 'output.scale'), 'scale');
          check(shift, get(f, 'output.shift'), 'shift');
          const terms = anyDepthLossTerms(prediction, target, mask);
          check(terms.alignedPrediction, get(f, 'output.pred_ssi'), 'pred_ssi');
        });
      });

      it('data, per-scale gradient, gradient and total losses (batch-based, alpha 2)', () => {
        tf.tidy(() => {
          const t = anyDepthLossTerms(prediction, target, mask);
          check(t.dataLoss, get(f, 'output.data_loss'), 'data_loss');
          t.gradientLossPerScale.forEach((s, k) => check(s, get(f, `output.grad_loss_scale${k}`), `grad_loss_scale${k}`));
          check(t.gradientLoss, get(f, 'output.grad_loss'), 'grad_loss');
          check(t.total, get(f, 'output.total'), 'total');
          check(anyDepthLossTerms(prediction, target, mask, { alpha: 0.5 }).total, get(f, 'ref.total_alpha0p5'), 'total_alpha0p5');
        });
      });

      it('image-based reduction', () => {
        tf.tidy(() => {
          const t = anyDepthLossTerms(prediction, target, mask, { reduction: 'image' });
          check(t.dataLoss, get(f, 'ref.image_based.data_loss'), 'image_based.data_loss');
          check(t.gradientLoss, get(f, 'ref.image_based.grad_loss'), 'image_based.grad_loss');
          check(t.total, get(f, 'ref.image_based.total'), 'image_based.total');
        });
      });

      it('d total / d prediction through the closed-form scale and shift (tf.grad)', () => {
        tf.tidy(() => {
          const g = tf.grad((p: tf.Tensor) => anyDepthLossTerms(p as tf.Tensor3D, target, mask).total)(prediction);
          check(g, get(f, 'grad.total_wrt_prediction'), 'grad.total_wrt_prediction');
        });
      });

      it('d total / d prediction with scale and shift detached', () => {
        tf.tidy(() => {
          const g = tf.grad((p: tf.Tensor) => anyDepthLossTerms(p as tf.Tensor3D, target, mask, { detachScaleShift: true }).total)(prediction);
          check(g, get(f, 'grad.total_wrt_prediction_detached_st'), 'grad.total_wrt_prediction_detached_st');
        });
      });

      it('median/MAD (gist ranftlr): medians, scales, trimmed and untrimmed MAE, totals', () => {
        tf.tidy(() => {
          const t = trimmedProcrustesLossTerms(prediction, target, mask);
          check(t.prediction.median, get(f, 'ref.mad.pred_median'), 'mad.pred_median');
          check(t.prediction.scale, get(f, 'ref.mad.pred_scale'), 'mad.pred_scale');
          check(t.target.median, get(f, 'ref.mad.target_median'), 'mad.target_median');
          check(t.target.scale, get(f, 'ref.mad.target_scale'), 'mad.target_scale');
          check(t.dataLoss, get(f, 'ref.mad.trimmed_mae'), 'mad.trimmed_mae');
          check(t.gradientLoss, get(f, 'ref.mad.grad_loss'), 'mad.grad_loss');
          check(t.total, get(f, 'ref.mad.total_alpha0p5'), 'mad.total_alpha0p5');
          check(trimmedProcrustesLossTerms(prediction, target, mask, { alpha: 2 }).total, get(f, 'ref.mad.total_w2'), 'mad.total_w2');
          const asWritten = trimmedProcrustesLossTerms(prediction, target, mask, { gistAsWritten: true });
          check(asWritten.dataLoss, get(f, 'ref.mad.mae_untrimmed_gist_as_written'), 'mad.mae_untrimmed_gist_as_written');
          check(asWritten.total, get(f, 'ref.mad.total_alpha0p5_gist_as_written'), 'mad.total_alpha0p5_gist_as_written');
        });
      });

      it('trimming keeps exactly int(n·0.8) residuals (ref.mad.n_keep)', () => {
        tf.tidy(() => {
          const nKeep = get(f, 'ref.mad.n_keep').data[0];
          const n = tf.sum(tf.cast(mask, 'float32')).dataSync()[0];
          expect(Math.floor(n * 0.8)).toBe(nKeep);
          // With unit residuals on every valid pixel the trimmed sum is n_keep, so the loss is n_keep / (2n).
          const ones = tf.ones(prediction.shape) as tf.Tensor3D;
          const zeros = tf.zeros(prediction.shape) as tf.Tensor3D;
          const loss = trimmedMaeLoss(ones, zeros, mask).dataSync()[0];
          // float32 sums (wasm accumulates naively) leave ~1e-5 relative round-off over ~2400 terms.
          expect(Math.abs(loss - nKeep / (2 * n))).toBeLessThan(1e-4 * (nKeep / (2 * n)));
        });
      });

      it('Depth Anything V1 form (median / mean absolute deviation over valid pixels)', () => {
        tf.tidy(() => {
          const t = dav1LossTerms(prediction, target, mask);
          check(t.prediction.median, get(f, 'ref.dav1.pred_median'), 'dav1.pred_median');
          check(t.prediction.scale, get(f, 'ref.dav1.pred_scale'), 'dav1.pred_scale');
          check(t.target.median, get(f, 'ref.dav1.target_median'), 'dav1.target_median');
          check(t.target.scale, get(f, 'ref.dav1.target_scale'), 'dav1.target_scale');
          check(t.loss, get(f, 'ref.dav1.mae'), 'dav1.mae');
          check(normalizeRobust(prediction, mask, { medianOver: 'valid-pixels' }).median, get(f, 'ref.dav1.pred_median'), 'dav1.pred_median (normalizeRobust)');
        });
      });

      if (file === 'losses_zero_mask.safetensors') {
        it('an all-zero mask for the whole batch gives exactly 0 (ref.all_zero_mask.total) and a zero, finite gradient', () => {
          tf.tidy(() => {
            const empty = tf.zerosLike(mask);
            const expected = get(f, 'ref.all_zero_mask.total').data[0];
            for (const reduction of ['batch', 'image'] as const) {
              const total = anyDepthLossTerms(prediction, target, empty, { reduction }).total.dataSync()[0];
              expect(total).toBe(expected);
              const g = tf
                .grad((p: tf.Tensor) => anyDepthLossTerms(p as tf.Tensor3D, target, empty, { reduction }).total)(prediction)
                .dataSync();
              expect(g.every((v) => v === 0)).toBe(true);
            }
            expect(trimmedProcrustesLossTerms(prediction, target, empty).total.dataSync()[0]).toBe(0);
            expect(dav1LossTerms(prediction, target, empty).loss.dataSync()[0]).toBe(0);
          });
        });

        it('the empty image gets scale = shift = 0 and a zero gradient', () => {
          tf.tidy(() => {
            const g = tf.grad((p: tf.Tensor) => anyDepthLossTerms(p as tf.Tensor3D, target, mask).total)(prediction);
            const second = tf.slice(g, [1, 0, 0], [1, 32, 48]).dataSync();
            expect(second.every((v) => v === 0)).toBe(true);
            const { scale, shift } = computeScaleAndShift(prediction, target, mask);
            expect(scale.dataSync()[1]).toBe(0);
            expect(shift.dataSync()[1]).toBe(0);
          });
        });
      }
    });
  }
}
