import type { TensorSource } from '@anydepth/core';
import { type WeightScheme, detectWeightScheme } from '@anydepth/dinov3/internal';

/** Model families a checkpoint can hold. `dav2` is recognised here; its loader lives with the DINOv2 model. */
export type CheckpointFamily = 'anydepth' | 'dav2';

/**
 * How an AnyDepth checkpoint is laid out:
 * - `official`: the official `build_depther(...).state_dict()` (`0.encoder.backbone.<torch-hub DINOv3>`, `0.decoder.<SDT>`);
 * - `project`: this project's files (`encoder.<HF or hub DINOv3>`, `decoder.<SDT>`, config in the metadata);
 * - `split`: a decoder-only file (SDT names) with the DINOv3 backbone in another file (torch-hub `.pth` or HF folder);
 * - `dav2-official` / `dav2-transformers`: Depth Anything V2 (`pretrained.*` + `depth_head.*`, or `backbone.*` + `head.*`).
 */
export type CheckpointScheme = 'official' | 'project' | 'split' | 'dav2-official' | 'dav2-transformers';

/** Where one part of the model lives: which source, under which key prefix. */
export interface CheckpointPart {
  /** Index into the sources given to `detectCheckpointLayout`. */
  source: number;
  /** Key prefix of the part, e.g. `'module.0.encoder.backbone.'`. */
  prefix: string;
  /** DINOv3/DINOv2 naming scheme of an encoder (`hub` = torch-hub names, `hf` = transformers names). */
  scheme?: WeightScheme;
}

export interface CheckpointLayout {
  family: CheckpointFamily;
  scheme: CheckpointScheme;
  encoder: CheckpointPart | null;
  decoder: CheckpointPart;
  /** Wrapping levels found in front of the model's own names (`module` from DDP, `model`, `state_dict`, ...). */
  wrappers: string[];
  /** Keys that are neither encoder nor decoder nor fixture data, per source (e.g. optimizer state outside the wrapper). */
  unclaimed: string[][];
  /** Keys outside the wrapped model (ignored even in strict loads), per source. */
  ignored: string[][];
  /** What was recognised, one line each, for logs and error messages. */
  report: string[];
}

/** Prefixes of the golden fixtures' data tensors, never weights. */
const DATA_PREFIXES = ['input.', 'output.', 'grad.', 'debug.', 'ref.'];
export const isDataTensor = (key: string): boolean => DATA_PREFIXES.some((p) => key.startsWith(p));

/** Marker tensors and the part of the name that follows the model root. */
const SDT_MARKER = 'weighted_fusion.projections.0.0.weight';
const DAV2_OFFICIAL_MARKER = 'depth_head.scratch.refinenet1.out_conv.weight';
const DAV2_HF_MARKER = 'head.conv1.weight';

/** The two Depth Anything V2 layouts: a marker key of the head (and a sibling prefix that must exist), head and backbone prefixes. */
const DAV2_LAYOUTS = [
  { scheme: 'dav2-official', marker: DAV2_OFFICIAL_MARKER, also: '', decoder: 'depth_head.', encoder: 'pretrained.', encoderScheme: 'hub' },
  { scheme: 'dav2-transformers', marker: DAV2_HF_MARKER, also: 'neck.', decoder: 'head.', encoder: 'backbone.', encoderScheme: 'hf' },
] as const;

function prefixBefore(keys: string[], marker: string): string[] {
  return keys.filter((k) => k === marker || k.endsWith(`.${marker}`)).map((k) => k.slice(0, k.length - marker.length));
}

function wrappersOf(root: string): string[] {
  return root.split('.').filter(Boolean);
}

function tryScheme(keys: string[], prefix?: string): { scheme: WeightScheme; prefix: string } | null {
  try {
    return detectWeightScheme(keys, prefix);
  } catch {
    return null;
  }
}

function labelOf(source: TensorSource, i: number): string {
  const label = (source as { label?: unknown }).label;
  return typeof label === 'string' ? label : `source ${i}`;
}

/**
 * Recognises which model a set of checkpoint sources holds, and where: the decoder is found by a
 * marker tensor (SDT: `weighted_fusion.projections.0.0.weight`), whatever wraps it (`module.`,
 * `model.`, `state_dict.`, ...); the encoder is looked for beside it (`0.encoder.backbone.` or
 * `encoder.`) and otherwise in the other sources (a DINOv3 backbone file, torch-hub or HF names).
 * Pure: reads names only, never tensor data.
 */
export function detectCheckpointLayout(input: TensorSource | TensorSource[]): CheckpointLayout {
  const sources = Array.isArray(input) ? input : [input];
  if (sources.length === 0) throw new Error('detectCheckpointLayout: no checkpoint given');
  const keys = sources.map((s) => [...s.keys()].filter((k) => !isDataTensor(k)));
  const labels = sources.map(labelOf);
  const report: string[] = [];

  let decoder: CheckpointPart | null = null;
  let family: CheckpointFamily = 'anydepth';
  let scheme: CheckpointScheme = 'split';
  let root = '';
  let encoder: CheckpointPart | null = null;

  for (let i = 0; i < sources.length && !decoder; i++) {
    const sdt = prefixBefore(keys[i], SDT_MARKER);
    if (sdt.length > 1) throw new Error(`${labels[i]}: holds ${sdt.length} SDT decoders (under ${sdt.map((p) => `'${p}'`).join(', ')})`);
    if (sdt.length === 1) {
      decoder = { source: i, prefix: sdt[0] };
      const p = sdt[0];
      if (p.endsWith('0.decoder.') && (p === '0.decoder.' || p.endsWith('.0.decoder.'))) {
        scheme = 'official';
        root = p.slice(0, -'0.decoder.'.length);
        const found = tryScheme(keys[i], `${root}0.encoder.backbone.`);
        if (found) encoder = { source: i, ...found };
      } else if (p === 'decoder.' || p.endsWith('.decoder.')) {
        scheme = 'project';
        root = p.slice(0, -'decoder.'.length);
        const found = tryScheme(keys[i], `${root}encoder.`);
        if (found) encoder = { source: i, ...found };
      } else {
        scheme = 'split';
        root = p;
      }
      continue;
    }
    for (const l of DAV2_LAYOUTS) {
      const roots = prefixBefore(keys[i], l.marker).filter((p) => !l.also || keys[i].some((k) => k.startsWith(`${p}${l.also}`)));
      if (roots.length !== 1) continue;
      family = 'dav2';
      scheme = l.scheme;
      root = roots[0];
      decoder = { source: i, prefix: `${root}${l.decoder}` };
      if (keys[i].some((k) => k.startsWith(`${root}${l.encoder}`))) encoder = { source: i, prefix: `${root}${l.encoder}`, scheme: l.encoderScheme };
      break;
    }
  }
  if (!decoder) {
    const sample = keys.flat().slice(0, 5).join(', ');
    throw new Error(
      `${labels.join(' + ')}: no depth decoder found (looked for an SDT '${SDT_MARKER}' or Depth Anything V2 '${DAV2_OFFICIAL_MARKER}' under any prefix); ` +
        `the checkpoint has: ${sample}${keys.flat().length > 5 ? ', …' : ''}`,
    );
  }

  if (!encoder && family === 'anydepth') {
    for (let i = 0; i < sources.length && !encoder; i++) {
      if (i === decoder.source) continue;
      const found = tryScheme(keys[i]);
      if (found) encoder = { source: i, ...found };
    }
    if (encoder && scheme !== 'split') scheme = 'split';
  }

  const wrappers = wrappersOf(root);
  const unclaimed: string[][] = keys.map(() => []);
  const ignored: string[][] = keys.map(() => []);
  keys.forEach((ks, i) => {
    for (const k of ks) {
      if (i === decoder.source && k.startsWith(decoder.prefix)) continue;
      if (encoder && i === encoder.source && k.startsWith(encoder.prefix)) continue;
      // Keys beside the wrapped model (optimizer state, EMA copies, ...) are not part of it.
      if (i === decoder.source && root && !k.startsWith(root)) ignored[i].push(k);
      else unclaimed[i].push(k);
    }
  });

  const names: Record<CheckpointScheme, string> = {
    official: 'official AnyDepth build_depther state_dict (0.encoder.backbone.* + 0.decoder.*)',
    project: 'AnyDepth-TS file (encoder.* + decoder.*)',
    split: 'AnyDepth SDT decoder with a separate DINOv3 backbone',
    'dav2-official': 'official Depth Anything V2 state_dict (pretrained.* + depth_head.*)',
    'dav2-transformers': 'transformers Depth Anything V2 (backbone.* + neck.* + head.*)',
  };
  report.push(`layout: ${names[scheme]}`);
  if (wrappers.length) report.push(`wrapped in: ${wrappers.map((w) => `'${w}'`).join(' > ')}`);
  report.push(`decoder: ${labels[decoder.source]} under '${decoder.prefix}'`);
  report.push(
    encoder
      ? `encoder: ${labels[encoder.source]} under '${encoder.prefix}' (${encoder.scheme === 'hf' ? 'transformers' : 'torch-hub'} names)`
      : 'encoder: not found (give the backbone file too)',
  );
  const ignoredCount = ignored.flat().length;
  if (ignoredCount) report.push(`ignored ${ignoredCount} tensor(s) outside the model (e.g. ${ignored.flat().slice(0, 3).join(', ')})`);
  const unclaimedCount = unclaimed.flat().length;
  if (unclaimedCount) report.push(`unrecognised ${unclaimedCount} tensor(s): ${unclaimed.flat().slice(0, 5).join(', ')}${unclaimedCount > 5 ? ', …' : ''}`);
  return { family, scheme, encoder, decoder, wrappers, unclaimed, ignored, report };
}
