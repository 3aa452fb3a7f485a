import { type FlopInput, type FlopReport, type FlopSize, bilinearMacs, conv2dMacs, convTranspose2dMacs, flopGrid, flopReport } from '@anydepth/core';
import { DepthAnythingV2DPTHead } from './dav2-dpt-head.js';
import { DPTHead } from './dpt-head.js';

/** The counter's input: core's `FlopInput`; `patchSize` defaults to 16 for `DPTHead` (DINOv3), the head's (14) for DAv2. */
export type { FlopInput, FlopReport } from '@anydepth/core';

type Size = FlopSize;

const convOut = (s: Size, k: number, stride: number, pad: number): Size => [
  Math.floor((s[0] + 2 * pad - k) / stride) + 1,
  Math.floor((s[1] + 2 * pad - k) / stride) + 1,
];
const double = (s: Size): Size => [2 * s[0], 2 * s[1]];
const same = (a: Size, b: Size): boolean => a[0] === b[0] && a[1] === b[1];

function add(parts: Record<string, number>, key: string, macs: number): void {
  parts[key] = (parts[key] ?? 0) + macs;
}

/** Reassembly shared by both heads: readout, 1×1 projections and the four resize layers; returns the level sizes. */
function reassemble(parts: Record<string, number>, b: number, g: Size, d: number[], oc: number[], readout: boolean): Size[] {
  const sizes: Size[] = [];
  for (let i = 0; i < 4; i++) {
    if (readout) add(parts, 'readout', b * g[0] * g[1] * 2 * d[i] * d[i]);
    add(parts, 'projects', conv2dMacs(b, g, d[i], oc[i], 1));
  }
  add(parts, 'resize', convTranspose2dMacs(b, g, oc[0], oc[0], 4));
  add(parts, 'resize', convTranspose2dMacs(b, g, oc[1], oc[1], 2));
  const s3 = convOut(g, 3, 2, 1);
  add(parts, 'resize', conv2dMacs(b, s3, oc[3], oc[3], 3));
  sizes.push([4 * g[0], 4 * g[1]], [2 * g[0], 2 * g[1]], g, s3);
  return sizes;
}

function countDINOv3(head: DPTHead, input: FlopInput): FlopReport {
  const [b, g] = flopGrid('DPTHead', input, 16);
  const parts: Record<string, number> = {};
  const ch = head.channels;
  const sizes = reassemble(parts, b, g, head.inChannels, head.postProcessChannels, head.readout === 'project');
  sizes.forEach((s, i) => add(parts, 'convs', conv2dMacs(b, s, head.postProcessChannels[i], ch, 3)));
  let cur = sizes[3];
  for (let i = 0; i < 4; i++) {
    if (i > 0) {
      const skip = sizes[3 - i];
      if (!same(skip, cur)) add(parts, 'fusion', bilinearMacs(b, cur, ch));
      add(parts, 'fusion', 2 * conv2dMacs(b, cur, ch, ch, 3)); // res_conv_unit1
    }
    add(parts, 'fusion', 2 * conv2dMacs(b, cur, ch, ch, 3)); // res_conv_unit2
    cur = double(cur);
    add(parts, 'fusion', bilinearMacs(b, cur, ch));
    add(parts, 'fusion', conv2dMacs(b, cur, ch, ch, 1)); // project
  }
  add(parts, 'project', conv2dMacs(b, cur, ch, ch, 3));
  const half = Math.floor(ch / 2);
  add(parts, 'head', conv2dMacs(b, cur, ch, half, 3));
  cur = double(cur);
  add(parts, 'head', bilinearMacs(b, cur, half));
  add(parts, 'head', conv2dMacs(b, cur, half, 32, 3) + conv2dMacs(b, cur, 32, head.outChannels, 1));
  return flopReport(parts);
}

function countDAv2(head: DepthAnythingV2DPTHead, input: FlopInput): FlopReport {
  const [b, g] = flopGrid('DepthAnythingV2DPTHead', input, head.patchSize);
  const parts: Record<string, number> = {};
  const f = head.features;
  const d = [0, 1, 2, 3].map(() => head.inChannels);
  const sizes = reassemble(parts, b, g, d, head.outChannels, head.useClsToken);
  sizes.forEach((s, i) => add(parts, 'convs', conv2dMacs(b, s, head.outChannels[i], f, 3)));
  let cur = sizes[3];
  for (let k = 4; k >= 1; k--) {
    if (k < 4) add(parts, 'fusion', 2 * conv2dMacs(b, cur, f, f, 3)); // resConfUnit1 on the skip
    add(parts, 'fusion', 2 * conv2dMacs(b, cur, f, f, 3)); // resConfUnit2
    cur = k > 1 ? sizes[k - 2] : double(cur);
    add(parts, 'fusion', bilinearMacs(b, cur, f) + conv2dMacs(b, cur, f, f, 1));
  }
  const half = Math.floor(f / 2);
  add(parts, 'head', conv2dMacs(b, cur, f, half, 3));
  cur = [g[0] * head.patchSize, g[1] * head.patchSize];
  add(parts, 'head', bilinearMacs(b, cur, half));
  add(parts, 'head', conv2dMacs(b, cur, half, 32, 3) + conv2dMacs(b, cur, 32, 1, 1));
  return flopReport(parts);
}

/** Analytic multiply-add count of a DPT head's forward pass at an input image size. */
export function countFlops(head: DPTHead | DepthAnythingV2DPTHead, input: FlopInput): FlopReport {
  if (head instanceof DPTHead) return countDINOv3(head, input);
  if (head instanceof DepthAnythingV2DPTHead) return countDAv2(head, input);
  throw new Error('countFlops: expected a DPTHead or a DepthAnythingV2DPTHead');
}

export { countFlops as countDptFlops };
