/**
 * The one analytic FLOP-counting contract of the decoder heads (SDT in @anydepth/sdt, DPT and Depth Anything V2's DPT
 * in @anydepth/dpt): the input, the report and the per-layer multiply-add formulas they all count with.
 */

/** Input size for an analytic counter: the image size in pixels (multiples of the patch size). */
export interface FlopInput {
  height: number;
  width: number;
  batch?: number;
  /** Backbone patch size: the head sees an (H/p)×(W/p) token grid. The default is the head's (16 or 14). */
  patchSize?: number;
}

/**
 * Multiply-adds (MACs) of one forward pass, in total and per part. Counted: every convolution, transposed convolution
 * and linear layer (k·k·C_in/groups per output value; bias adds not counted) and every bilinear sampling step
 * (4 per output value). Element-wise work (activations, BatchNorm, residual adds, softmax) is left out.
 * FLOPs ≈ 2 × MACs.
 */
export interface FlopReport {
  macs: number;
  parts: Record<string, number>;
}

/** A spatial size [height, width]. */
export type FlopSize = [number, number];

/** MACs of a k×k convolution producing `out` (per output value: C_in/groups · k²). */
export const conv2dMacs = (batch: number, out: FlopSize, cin: number, cout: number, k: number, groups = 1): number =>
  batch * out[0] * out[1] * cout * (cin / groups) * k * k;
/** MACs of a k×k transposed convolution on `input` (every input value scatters C_out · k² products). */
export const convTranspose2dMacs = (batch: number, input: FlopSize, cin: number, cout: number, k: number): number =>
  batch * input[0] * input[1] * cin * cout * k * k;
/** MACs of bilinear resampling (interpolation or grid sampling) to `out`: 4 per output value. */
export const bilinearMacs = (batch: number, out: FlopSize, channels: number): number => 4 * batch * out[0] * out[1] * channels;

/** The batch and token grid of `input`; throws, naming `head`, when a side is not a multiple of the patch size. */
export function flopGrid(head: string, input: FlopInput, defaultPatch: number): [number, FlopSize] {
  const p = input.patchSize ?? defaultPatch;
  if (input.height % p || input.width % p) throw new Error(`${head} countFlops: ${input.height}×${input.width} is not a multiple of the patch size ${p}`);
  return [input.batch ?? 1, [input.height / p, input.width / p]];
}

/** A report whose total is the sum of its parts. */
export function flopReport(parts: Record<string, number>): FlopReport {
  return { macs: Object.values(parts).reduce((a, v) => a + v, 0), parts };
}
