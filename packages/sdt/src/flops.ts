import { type FlopInput as CoreFlopInput, type FlopReport, bilinearMacs, conv2dMacs, flopGrid, flopReport } from '@anydepth/core';
import type { DySample } from '@anydepth/dysample';
import { SDTHead } from './sdt-head.js';

/** The counter's input: core's `FlopInput` (`patchSize` default 16: the head outputs 16× its token grid) plus the readout. */
export interface FlopInput extends CoreFlopInput {
  /** Count the class-token readouts (default: whenever the head has them). */
  withClsToken?: boolean;
}

export type { FlopReport } from '@anydepth/core';

/** Analytic multiply-add count of an SDT head's forward pass at an input image size. */
export function countFlops(head: SDTHead, input: FlopInput): FlopReport {
  if (!(head instanceof SDTHead)) throw new Error('countFlops: expected an SDTHead');
  const [b, grid] = flopGrid('SDTHead', input, 16);
  let [h, w] = grid;
  const c = head.fusionChannels;
  const parts: Record<string, number> = {
    readout: 0,
    projections: 0,
    detail_enhancer: 0,
    upsample_1: 0,
    refinement_1: 0,
    upsample_2: 0,
    refinement_2: 0,
    output_conv: 0,
  };
  const withCls = (input.withClsToken ?? true) && head.weightedFusion.readoutProjects !== null;
  for (const d of head.inChannels) {
    if (withCls) parts.readout += b * h * w * 2 * d * d; // Linear(2D → D) per token
    parts.projections += conv2dMacs(b, [h, w], d, c, 1);
  }
  parts.detail_enhancer = conv2dMacs(b, [h, w], c, c, 3, c); // depthwise 3×3
  const conv3 = (cin: number, cout: number): number => conv2dMacs(b, [h, w], cin, cout, 3);
  const step = (): number => {
    const ds = head.upsample1.dysample1.layers[0] as DySample;
    const offCh = 2 * ds.groups * ds.scale * ds.scale;
    let macs = conv2dMacs(b, [h, w], c, offCh, 1) * (ds.dyscope ? 2 : 1); // offset (+ scope) 1×1 convs
    h *= 2;
    w *= 2;
    macs += bilinearMacs(b, [h, w], c); // grid sampling
    return macs + conv3(c, c);
  };
  parts.upsample_1 = step() + step();
  parts.refinement_1 = conv3(c, c);
  parts.upsample_2 = step() + step();
  parts.refinement_2 = conv3(c, c);
  const half = Math.floor(c / 2);
  parts.output_conv = conv3(c, half) + conv3(half, 32) + conv2dMacs(b, [h, w], 32, head.outChannels, 1);
  return flopReport(parts);
}

export { countFlops as countSdtFlops };
