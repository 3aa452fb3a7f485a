import { finishDepthMap } from './depth-map.js';
import { DecodeError } from './errors.js';
import { decodeExrDepth } from './exr/exr.js';
import { decodePfm } from './decoders/pfm.js';
import { decodeNyuRawPgm } from './decoders/pgm.js';
import { decodePng16Depth } from './decoders/png.js';
import { decodeNpyDepth } from './decoders/npy.js';
import { decodeRawFloat32 } from './decoders/raw.js';
import type { Mat3 } from './hypersim.js';
import type { DecodeLimits, DepthMap, Inflate } from './types.js';

/** Options every rule accepts, applied after decoding. */
export interface RuleCommon {
  /** Values above this (after scaling) are invalid, e.g. VKITTI2 sky 655.35 m or Blender's 1e10 background. */
  invalidAbove?: number;
  /** The file stores disparity; depth = disparityToDepth / disparity (focal·baseline). */
  disparityToDepth?: number;
}

/** How to turn one depth file into metres: plain JSON, so it can travel to worker threads and into JSONL. */
export type DepthRule = RuleCommon &
  (
    | { format: 'png16'; scale: number; sunBitRotate?: boolean; invalidValue?: number }
    | { format: 'npy'; key?: string; scale?: number }
    | { format: 'pfm'; channel?: number }
    | { format: 'exr'; channel?: string }
    | { format: 'hdf5'; dataset?: string; hypersimPlanar?: boolean | Mat3 }
    | { format: 'nyu-raw-pgm' }
    | { format: 'raw-f32'; width: number; height: number; littleEndian?: boolean }
  );

export interface DecodeDepthOptions extends DecodeLimits {
  inflate?: Inflate;
}

/** Applies `invalidAbove` and `disparityToDepth` of a rule (in place) and returns the map, validity contract enforced. */
export function applyRuleCommon(map: DepthMap, rule: RuleCommon): DepthMap {
  const { data } = map;
  const valid = map.valid ?? new Uint8Array(data.length).fill(1);
  if (rule.disparityToDepth !== undefined) {
    const k = rule.disparityToDepth;
    for (let i = 0; i < data.length; i++) {
      if (valid[i] && data[i] > 0 && Number.isFinite(data[i])) data[i] = k / data[i];
      else valid[i] = 0;
    }
  }
  if (rule.invalidAbove !== undefined) {
    const t = rule.invalidAbove;
    for (let i = 0; i < data.length; i++) if (!(data[i] <= t)) valid[i] = 0;
  }
  map.valid = valid;
  return finishDepthMap(map);
}

/** Decodes depth bytes with a rule (every format but HDF5, which needs a file: use `readDepth` from `/node`). */
export function decodeDepth(bytes: Uint8Array, rule: DepthRule, options: DecodeDepthOptions = {}): DepthMap {
  let map: DepthMap;
  switch (rule.format) {
    case 'png16':
      map = decodePng16Depth(bytes, { ...options, scale: rule.scale, sunBitRotate: rule.sunBitRotate, invalidValue: rule.invalidValue });
      break;
    case 'npy':
      map = decodeNpyDepth(bytes, { ...options, key: rule.key, scale: rule.scale });
      break;
    case 'pfm':
      map = decodePfm(bytes, { ...options, channel: rule.channel });
      break;
    case 'exr':
      map = decodeExrDepth(bytes, { ...options, channel: rule.channel });
      break;
    case 'nyu-raw-pgm':
      map = decodeNyuRawPgm(bytes, options);
      break;
    case 'raw-f32':
      map = decodeRawFloat32(bytes, rule.width, rule.height, rule.littleEndian ?? true);
      break;
    case 'hdf5':
      throw new DecodeError('hdf5', 'HDF5 needs a file path: use readDepth() from @anydepth/datasets/node');
    default:
      throw new DecodeError('rule', `unknown format ${(rule as { format: string }).format}`);
  }
  return applyRuleCommon(map, rule);
}

/** Guesses a rule from a file name (extension), for ad-hoc files. PNG defaults to scale 1 unless given. */
export function guessRule(path: string, pngScale = 1): DepthRule {
  const p = path.toLowerCase();
  if (p.endsWith('.png')) return { format: 'png16', scale: pngScale };
  if (p.endsWith('.npy') || p.endsWith('.npz')) return { format: 'npy' };
  if (p.endsWith('.pfm')) return { format: 'pfm' };
  if (p.endsWith('.exr')) return { format: 'exr' };
  if (p.endsWith('.hdf5') || p.endsWith('.h5')) return { format: 'hdf5' };
  if (p.endsWith('.pgm')) return { format: 'nyu-raw-pgm' };
  throw new DecodeError('rule', `cannot guess the depth format of ${path}`);
}
