import type { DySample } from '@anydepth/dysample';
import { SDTHead } from './sdt-head.js';

/** Input size for the analytic counter: the image size in pixels (multiples of the patch size). */
export interface FlopInput {
  height: number;
  width: number;
  batch?: number;
  /** Backbone patch size: the head sees an (H/p)×(W/p) grid and outputs 16× that. Default 16. */
  patchSize?: number;
  /** Count the class-token readouts (default: whenever the head has them). */
  withClsToken?: boolean;
}

/**
 * Multiply-adds (MACs) of one forward pass, in total and per part. Counted: every convolution and
 * linear layer (k·k·C_in/groups per output value; bias adds not counted), and every bilinear
 * sampling step (4 per output value; DySample's grid sampling). Element-wise work (activations,
 * BatchNorm, residual adds, softmax, the sigmoid scope) is left out. FLOPs ≈ 2 × MACs.
 */
export interface FlopReport {
  macs: number;
  parts: Record<string, number>;
}

/** Analytic multiply-add count of an SDT head's forward pass at an input image size. */
export function countFlops(head: SDTHead, input: FlopInput): FlopReport {
  if (!(head instanceof SDTHead)) throw new Error('countFlops: expected an SDTHead');
  const p = input.patchSize ?? 16;
  if (input.height % p || input.width % p) throw new Error(`SDTHead countFlops: ${input.height}×${input.width} is not a multiple of the patch size ${p}`);
  const b = input.batch ?? 1;
  let h = input.height / p;
  let w = input.width / p;
  const c = head.fusionChannels;
  const parts: Record<string, number> = { readout: 0, projections: 0, detail_enhancer: 0, upsample_1: 0, refinement_1: 0, upsample_2: 0, refinement_2: 0, output_conv: 0 };
  const withCls = (input.withClsToken ?? true) && head.weightedFusion.readoutProjects !== null;
  for (const d of head.inChannels) {
    if (withCls) parts.readout += b * h * w * 2 * d * d;
    parts.projections += b * h * w * d * c;
  }
  parts.detail_enhancer = b * h * w * c * 9;
  const conv3 = (cin: number, cout: number): number => b * h * w * cout * cin * 9;
  const step = (): number => {
    const ds = head.upsample1.dysample1.layers[0] as DySample;
    const offCh = 2 * ds.groups * ds.scale * ds.scale;
    let macs = b * h * w * c * offCh * (ds.dyscope ? 2 : 1); // offset (+ scope) 1×1 convs
    h *= 2;
    w *= 2;
    macs += 4 * b * h * w * c; // bilinear grid sampling
    return macs + conv3(c, c);
  };
  parts.upsample_1 = step() + step();
  parts.refinement_1 = conv3(c, c);
  parts.upsample_2 = step() + step();
  parts.refinement_2 = conv3(c, c);
  const half = Math.floor(c / 2);
  parts.output_conv = conv3(c, half) + conv3(half, 32) + b * h * w * 32 * head.outChannels;
  return { macs: Object.values(parts).reduce((a, v) => a + v, 0), parts };
}

export { countFlops as countSdtFlops };
