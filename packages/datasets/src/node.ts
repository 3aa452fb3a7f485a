/** Node-only helpers: file reading with native zlib, HDF5 via h5wasm, and the dataset adapters (file system). */
import { readFile } from 'node:fs/promises';
import { decodeJpeg, isJpeg } from './decoders/jpeg.js';
import { decodeNpyDepth } from './decoders/npy.js';
import { decodePng, isPng } from './decoders/png.js';
import { DecodeError } from './errors.js';
import { readHdf5Depth } from './hdf5.js';
import { hypersimDistanceToPlanar } from './hypersim.js';
import { nodeInflate } from './node-inflate.js';
import { applyRuleCommon, decodeDepth, guessRule, type DepthRule } from './rules.js';
import type { DecodeLimits, DepthMap, RasterImage } from './types.js';
import type { Sample } from './adapters/sample.js';

export { nodeInflate } from './node-inflate.js';
export { readHdf5Depth } from './hdf5.js';
export { listSamples, readKeptList, filterKept, LAYOUTS, isDatasetName } from './adapters/datasets.js';
export { walkFiles, readListFile } from './adapters/fs-walk.js';
export * from './adapters/sample.js';

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new DecodeError('file', `cannot read ${path} (${err.code ?? err.message})`);
  }
}

/** Reads and decodes a depth file with a rule (guessed from the extension when omitted). */
export async function readDepth(path: string, rule: DepthRule = guessRule(path), limits: DecodeLimits = {}): Promise<DepthMap> {
  if (rule.format === 'hdf5') {
    let map = await readHdf5Depth(path, rule.dataset ?? 'dataset', limits);
    if (rule.hypersimPlanar) map = hypersimDistanceToPlanar(map, rule.hypersimPlanar === true ? undefined : rule.hypersimPlanar);
    return applyRuleCommon(map, rule);
  }
  return decodeDepth(await readBytes(path), rule, { ...limits, inflate: nodeInflate });
}

/** Reads a sample's depth, AND-ing its separate mask file (DIODE) into `valid`. */
export async function readSampleDepth(sample: Pick<Sample, 'depthPath' | 'rule' | 'maskPath'>, limits: DecodeLimits = {}): Promise<DepthMap> {
  const map = await readDepth(sample.depthPath, sample.rule, limits);
  if (sample.maskPath) {
    const mask = decodeNpyDepth(await readBytes(sample.maskPath), limits);
    if (mask.width !== map.width || mask.height !== map.height) {
      throw new DecodeError('mask', `${sample.maskPath} is ${mask.width}x${mask.height}, depth is ${map.width}x${map.height}`);
    }
    const valid = map.valid ?? new Uint8Array(map.data.length).fill(1);
    for (let i = 0; i < valid.length; i++) if (!(mask.data[i] > 0)) valid[i] = 0;
    map.valid = valid;
  }
  return map;
}

/** Reads an RGB image (PNG 8/16-bit or JPEG), returned as-is (channels as stored). */
export async function readImage(path: string, limits: DecodeLimits = {}): Promise<RasterImage> {
  const bytes = await readBytes(path);
  if (isPng(bytes)) return decodePng(bytes, { ...limits, inflate: nodeInflate });
  if (isJpeg(bytes)) return decodeJpeg(bytes, limits);
  throw new DecodeError('image', `${path} is neither PNG nor JPEG`);
}
