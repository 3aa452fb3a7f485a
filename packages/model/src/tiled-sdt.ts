import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, type Layer, ReLU, foldedWeights } from '@anydepth/core';
import { type FusedActivation, fusedRun } from '@anydepth/core/internal';
import { DySample } from '@anydepth/dysample';
import { type HeadFeature, SDTHead } from '@anydepth/sdt';

/**
 * Row-band (tiled) execution of the SDT head's full-resolution tail, on every backend: peak memory
 * grows with the band, not the image. At 768×768 with C = 256 every tensor after
 * `upsample_2.dysample2`'s DySample (its conv, `refinement_2`, `output_conv`) is 604 MB; here they
 * are computed band by band along H and only the 1-channel logits are concatenated. The band budget
 * is the backend's buffer limit on WebGPU (`maxStorageBufferBindingSize`) and `DEFAULT_BAND_BYTES`
 * elsewhere (the wasm heap is one 4 GiB address space shared by every tensor).
 *
 * Exact: the half-resolution source of the last DySample stays whole (its learned offsets may point
 * anywhere), each band computes its own offsets (1×1 convs, row-local) and grid rows with the full
 * image's normalisation, and every 3×3 conv gets the real neighbouring rows (halo) inside the image
 * and zero rows outside it, as its zero padding would. BatchNorm (eval) and ReLU are pointwise.
 * What stays whole: tensors at half resolution and below (at 768 px, C = 256: 151 MB).
 */

/**
 * Largest full-resolution band tensor off WebGPU (bytes): 64 MiB, ~80 rows of 768 px × 256 channels. Halving it from
 * 128 MiB took AnyDepth-S at 768 px on wasm from 1.47 to 1.22 GB peak RSS (bench/inference-memory.ts); the halo rows
 * recomputed per band go from ~3 % to ~7 % of the tail's rows.
 */
export const DEFAULT_BAND_BYTES = 64 * 2 ** 20;

/** The largest tensor the tail may make: WebGPU's storage-buffer binding limit, else `DEFAULT_BAND_BYTES`. */
export function maxTensorBytesForBackend(): number {
  if (tf.getBackend() !== 'webgpu') return DEFAULT_BAND_BYTES;
  const device = (tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number } } }).device;
  const limits = device?.limits;
  if (!limits) return Number.POSITIVE_INFINITY;
  return Math.min(limits.maxStorageBufferBindingSize ?? Number.POSITIVE_INFINITY, limits.maxBufferSize ?? Number.POSITIVE_INFINITY);
}

/** A conv with, in eval mode, the BatchNorm and ReLU after it folded in (`fusedRun`); or a pointwise layer. */
type RowOp = { kind: 'conv'; conv: Conv2d; bn: BatchNorm2d | null; activation: FusedActivation; pad: number } | { kind: 'pointwise'; layer: Layer };

/** The layers after the last DySample, as row operations; null if one is not a plain conv/BN/ReLU. */
function tailOps(head: SDTHead): RowOp[] | null {
  const block = head.upsample2.dysample2.layers;
  const layers = [...block.slice(1), ...head.refinement2.layers, ...head.outputConv.layers];
  const ops: RowOp[] = [];
  for (let i = 0; i < layers.length; ) {
    const layer = layers[i];
    if (layer instanceof Conv2d) {
      const [kh, kw] = layer.kernelSize;
      const pad = layer.padding;
      if (layer.groups !== 1 || layer.stride[0] !== 1 || layer.stride[1] !== 1 || layer.dilation[0] !== 1 || layer.dilation[1] !== 1) return null;
      if (!Array.isArray(pad) || kh !== kw || kh !== 2 * pad[0] + 1 || pad[0] !== pad[1]) return null;
      const run = fusedRun(layers, i);
      ops.push({ kind: 'conv', conv: layer, bn: run.bn, activation: run.activation, pad: pad[0] });
      i += Math.max(1, run.length);
    } else if (layer instanceof BatchNorm2d || layer instanceof ReLU) {
      ops.push({ kind: 'pointwise', layer });
      i++;
    } else return null;
  }
  return ops;
}

/** DySample output rows [s·a, s·b) of `x` [B, H, W, C] (the full input stays the sampling source). */
export function dysampleRows(ds: DySample, x: tf.Tensor4D, a: number, b: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, , W, C] = x.shape;
    const offset = ds.offsets(tf.slice(x, [0, a, 0, 0], [B, b - a, W, C]) as tf.Tensor4D); // [B, b − a, W, 2·G·s²]
    return ds.sample(x, offset, a); // [B, s·(b − a), s·W, C]
  });
}

/** A band of rows [lo, lo + t.shape[1]) of an NHWC tensor of full height `height`. */
interface Band {
  t: tf.Tensor4D;
  lo: number;
}

/**
 * Conv (+ folded BN, + ReLU) output rows [lo, hi) from an input band that covers the rows they need
 * inside the image: one fused convolution whose explicit padding supplies the zero rows outside the
 * image (top/bottom) and the side columns.
 */
function convRows(op: Extract<RowOp, { kind: 'conv' }>, input: Band, lo: number, hi: number, height: number): tf.Tensor4D {
  return tf.tidy(() => {
    const p = op.pad;
    const need0 = Math.max(0, lo - p);
    const need1 = Math.min(height, hi + p);
    const [B, , W, C] = input.t.shape;
    const x =
      need0 === input.lo && need1 - need0 === input.t.shape[1]
        ? input.t
        : (tf.slice(input.t, [0, need0 - input.lo, 0, 0], [B, need1 - need0, W, C]) as tf.Tensor4D);
    const top = need0 - (lo - p); // zero rows above the image
    const bottom = hi + p - need1; // zero rows below it
    const { weight, bias } = foldedWeights(op.conv, op.bn); // kept on the conv: do not dispose
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [top, bottom],
      [p, p],
      [0, 0],
    ];
    return tf.fused.conv2d({ x, filter: weight as tf.Tensor4D, strides: 1, pad, bias: bias ?? undefined, activation: op.activation }); // [B, hi - lo, W, O]
  });
}

export interface TiledHeadOptions {
  /** Largest tensor in bytes (default: `maxTensorBytesForBackend()`; Infinity never tiles). */
  maxTensorBytes?: number;
  /** Output rows per band (overrides the size-derived choice; rounded up to the upsampling factor). */
  bandRows?: number;
}

/**
 * `head.forward(features)`, but with the full-resolution tail run in row bands when one of its
 * tensors would exceed `maxTensorBytes` (or when `bandRows` is given). Identical results up to float
 * rounding (in eval mode each conv → BN → ReLU runs fused, as `Sequential` does).
 */
export function sdtForwardTiled(head: SDTHead, features: readonly HeadFeature[], options: TiledHeadOptions = {}): tf.Tensor {
  const ops = tailOps(head);
  const ds = head.upsample2.dysample2.layers[0];
  const maxBytes = options.maxTensorBytes ?? maxTensorBytesForBackend();
  if (!ops || !(ds instanceof DySample) || (options.bandRows === undefined && !Number.isFinite(maxBytes))) return head.forward(features);
  // Output size from the token grid and the four ×s DySample steps, before any work is done.
  const scales = [head.upsample1.dysample1, head.upsample1.dysample2, head.upsample2.dysample1, head.upsample2.dysample2].map(
    (b) => (b.layers[0] as DySample).scale ?? 2,
  );
  const [B, h, w] = features[0].patches.shape as number[];
  const s = ds.scale;
  const H = h * scales.reduce((a, b) => a * b, 1);
  const W = w * scales.reduce((a, b) => a * b, 1);
  const widest = Math.max(head.fusionChannels, ...ops.map((op) => (op.kind === 'conv' ? op.conv.outChannels : 0)));
  const halo = ops.reduce((a, op) => a + (op.kind === 'conv' ? op.pad : 0), 0);
  const rowBytes = B * (W + 2) * widest * 4;
  let rows = options.bandRows ?? Math.floor(maxBytes / rowBytes) - 2 * halo - 2 * s;
  if (options.bandRows === undefined && rows >= H) return head.forward(features);
  rows = Math.max(s, Math.ceil(Math.max(1, rows) / s) * s);
  return tf.tidy(() => {
    const fused = head.weightedFusion.forward(features); // [B, h, w, C]
    const ref1 = head.refinement1.forward(head.upsample1.forward(head.detailEnhancer.forward(fused))); // [B, 4h, 4w, C]
    const x = head.upsample2.dysample1.forward(ref1) as tf.Tensor4D; // [B, H/s, W/s, C]: the DySample source
    if (x.shape[1] * s !== H || x.shape[2] * s !== W) throw new Error(`sdtForwardTiled: unexpected DySample source [${x.shape}] for output ${H}×${W}`);
    const bands: tf.Tensor[] = [];
    for (let r0 = 0; r0 < H; r0 += rows) {
      const r1 = Math.min(H, r0 + rows);
      bands.push(
        tf.tidy(() => {
          // Rows each op must produce, from the last op back to the first.
          const want: [number, number][] = new Array(ops.length);
          let lo = r0;
          let hi = r1;
          for (let i = ops.length - 1; i >= 0; i--) {
            want[i] = [lo, hi];
            const p = (ops[i] as { pad?: number }).pad ?? 0;
            lo = Math.max(0, lo - p);
            hi = Math.min(H, hi + p);
          }
          const a = Math.floor(lo / s);
          const b = Math.ceil(hi / s);
          let band: Band = { t: dysampleRows(ds, x, a, b), lo: a * s }; // DySample rows [s·a, s·b)
          ops.forEach((op, i) => {
            const [l, h] = want[i];
            const t =
              op.kind === 'conv'
                ? convRows(op, band, l, h, H)
                : (op.layer.forward(tf.slice(band.t, [0, l - band.lo, 0, 0], [-1, h - l, -1, -1])) as tf.Tensor4D);
            // Each op's band is dropped as soon as the next exists (not at the end of the tidy): the peak is two
            // full-width bands, not one per op (−250 MB at 768 px).
            if (t !== band.t) band.t.dispose();
            band = { t, lo: l };
          });
          return band.t; // [B, r1 - r0, W, out]
        }),
      );
    }
    return tf.concat(bands, 1); // [B, H, W, out]
  });
}
