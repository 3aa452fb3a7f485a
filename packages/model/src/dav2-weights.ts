import type * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, type LoadReport, type StateDictInput, StateDictError, type TensorSource } from '@anydepth/core';
import { asTensorSource } from '@anydepth/core/internal';
import { type Dinov2LoadReport, dinov2DefaultLayers, inferDinov2Config, loadDinov2Weights } from '@anydepth/dinov2';
import { isDataTensor } from './checkpoint-layout.js';
import type { DepthAnythingV2, DepthAnythingV2Config } from './depth-anything-v2.js';

/**
 * Depth Anything V2 checkpoints come in two layouts:
 * - `'official'`: the `.pth` of DepthAnything/Depth-Anything-V2 (`pretrained.*` = DINOv2 official
 *   names, `depth_head.*` = the DPT head), possibly under a wrapper prefix;
 * - `'hf'`: transformers' `DepthAnythingForDepthEstimation` (`backbone.*` = `Dinov2Model` names,
 *   `neck.*`, `head.*`), the format of `depth-anything/Depth-Anything-V2-*-hf`.
 */
export type DepthAnythingV2Layout = 'official' | 'hf';

/** Finds the layout and the wrapper prefix ('' or e.g. 'module.') of a Depth Anything V2 checkpoint. */
export function detectDepthAnythingV2Layout(keys: Iterable<string>): { layout: DepthAnythingV2Layout; prefix: string } {
  const all = [...keys];
  const markers: Array<[DepthAnythingV2Layout, string]> = [
    ['official', 'depth_head.scratch.output_conv1.weight'],
    ['hf', 'head.conv1.weight'],
  ];
  for (const [layout, marker] of markers) {
    const key = all.find((k) => k === marker || k.endsWith(`.${marker}`));
    if (key) return { layout, prefix: key.slice(0, key.length - marker.length) };
  }
  const sample = all
    .filter((k) => !isDataTensor(k))
    .slice(0, 6)
    .join(', ');
  throw new Error(
    `not a Depth Anything V2 checkpoint: no 'depth_head.scratch.output_conv1.weight' (official) or 'head.conv1.weight' (transformers) tensor; ` +
      `the checkpoint has: ${sample}${all.length > 6 ? ', …' : ''}`,
  );
}

/** Official `depth_head.` name (without the prefix) of a transformers `neck.*` / `head.*` tensor, or null. */
export function hfToOfficialHeadName(hf: string): string | null {
  let m = /^neck\.reassemble_stage\.layers\.(\d)\.(projection|resize)\.(weight|bias)$/.exec(hf);
  if (m) return m[2] === 'projection' ? `projects.${m[1]}.${m[3]}` : `resize_layers.${m[1]}.${m[3]}`;
  m = /^neck\.reassemble_stage\.readout_projects\.(\d)\.0\.(weight|bias)$/.exec(hf);
  if (m) return `readout_projects.${m[1]}.0.${m[2]}`;
  m = /^neck\.convs\.(\d)\.weight$/.exec(hf);
  if (m) return `scratch.layer${Number(m[1]) + 1}_rn.weight`;
  // transformers orders the fusion stage from the deepest layer: fusion layer j = refinenet (4 − j).
  m = /^neck\.fusion_stage\.layers\.(\d)\.(.+)$/.exec(hf);
  if (m) {
    const k = 4 - Number(m[1]);
    const rest = m[2]
      .replace(/^projection\./, 'out_conv.')
      .replace(/^residual_layer([12])\.convolution([12])\./, 'resConfUnit$1.conv$2.')
      .replace(/^residual_layer([12])\.batch_norm([12])\./, 'resConfUnit$1.bn$2.');
    return rest === m[2] ? null : `scratch.refinenet${k}.${rest}`;
  }
  const head: Record<string, string> = { conv1: 'scratch.output_conv1', conv2: 'scratch.output_conv2.0', conv3: 'scratch.output_conv2.2' };
  m = /^head\.(conv[123])\.(weight|bias)$/.exec(hf);
  if (m) return `${head[m[1]]}.${m[2]}`;
  return null;
}

/** The transformers head tensors under official names (unknown ones pass through unchanged). */
class HfHeadView implements TensorSource {
  readonly origin = new Map<string, string>();

  constructor(
    private readonly source: TensorSource,
    prefix: string,
  ) {
    for (const key of source.keys()) {
      if (!key.startsWith(prefix) || isDataTensor(key)) continue;
      const local = key.slice(prefix.length);
      if (!local.startsWith('neck.') && !local.startsWith('head.')) continue;
      this.origin.set(hfToOfficialHeadName(local) ?? local, key);
    }
  }

  keys(): string[] {
    return [...this.origin.keys()];
  }

  shapeOf(name: string): readonly number[] | undefined {
    const key = this.origin.get(name);
    return key === undefined ? undefined : (this.source.shapeOf?.(key) ?? this.source.get(key)?.shape);
  }

  get(name: string): tf.Tensor | HostTensor | undefined {
    const key = this.origin.get(name);
    return key === undefined ? undefined : this.source.get(key);
  }
}

export interface DepthAnythingV2LoadReport {
  layout: DepthAnythingV2Layout;
  /** Wrapper prefix in front of `pretrained.` / `backbone.` ('' for the released files). */
  prefix: string;
  encoder: Dinov2LoadReport;
  head: LoadReport;
  /** Checkpoint keys that belong to neither part (none for the released files). */
  unexpected: string[];
}

/**
 * Loads a Depth Anything V2 checkpoint (official `.pth` names or the transformers layout,
 * detected) into `model`. Strict by default: any missing, unexpected or mis-shaped tensor throws a
 * `StateDictError` naming it under the checkpoint's own name, before anything is assigned to the head.
 */
export function loadDepthAnythingV2Weights(model: DepthAnythingV2, input: StateDictInput, options: { strict?: boolean } = {}): DepthAnythingV2LoadReport {
  const source = asTensorSource(input);
  const strict = options.strict ?? true;
  const keys = [...source.keys()].filter((k) => !isDataTensor(k));
  const { layout, prefix } = detectDepthAnythingV2Layout(keys);
  const encoderPrefix = prefix + (layout === 'official' ? 'pretrained.' : 'backbone.');
  const headParts = layout === 'official' ? [`${prefix}depth_head.`] : [`${prefix}neck.`, `${prefix}head.`];
  const unexpected = keys.filter((k) => !k.startsWith(encoderPrefix) && !headParts.some((p) => k.startsWith(p)));
  if (strict && unexpected.length) {
    throw new StateDictError({ loaded: [], missing: [], unexpected, mismatched: [] }, `loadDepthAnythingV2Weights (${layout} layout)`);
  }
  // Check the head first (no assignment on failure), then load the encoder, then the head.
  const headSource: TensorSource = layout === 'official' ? source : new HfHeadView(source, prefix);
  const headOptions = { strict, prefix: layout === 'official' ? `${prefix}depth_head.` : '', ignore: isDataTensor };
  const rename = (n: string) => (headSource instanceof HfHeadView ? (headSource.origin.get(n.replace(headOptions.prefix, '')) ?? n) : n);
  const headCheck = dryRun(model, headSource, headOptions);
  if (headCheck) {
    const r = headCheck.report;
    throw new StateDictError(
      { ...r, unexpected: r.unexpected.map(rename), mismatched: r.mismatched.map((m) => ({ ...m, name: rename(m.name) })) },
      `loadDepthAnythingV2Weights (${layout} layout, depth head)`,
    );
  }
  const encoder = loadDinov2Weights(model.pretrained, source, { prefix: encoderPrefix, strict, ignore: isDataTensor });
  const head = model.depthHead.loadStateDict(headSource, headOptions);
  return { layout, prefix, encoder, head, unexpected };
}

/**
 * Checks a head load against the head's state-dict shapes without assigning anything (so a bad
 * head leaves the encoder untouched too); returns the error a load would throw, or null.
 */
function dryRun(
  model: DepthAnythingV2,
  source: TensorSource,
  options: { strict: boolean; prefix: string; ignore: (k: string) => boolean },
): StateDictError | null {
  const targets = model.depthHead.stateDictShapes();
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [] };
  const seen = new Set<string>();
  for (const key of source.keys()) {
    if (!key.startsWith(options.prefix) || options.ignore(key)) continue;
    const name = key.slice(options.prefix.length);
    const want = targets[name];
    if (!want) {
      report.unexpected.push(key);
      continue;
    }
    seen.add(name);
    const got = [...(source.shapeOf?.(key) ?? source.get(key)?.shape ?? [])];
    if (got.length !== want.length || got.some((d, i) => d !== want[i])) report.mismatched.push({ name: key, expected: want, got });
  }
  for (const name of Object.keys(targets)) if (!seen.has(name)) report.missing.push(options.prefix + name);
  return report.mismatched.length || (options.strict && (report.missing.length || report.unexpected.length)) ? new StateDictError(report) : null;
}

/**
 * The Depth Anything V2 configuration of a checkpoint, read from its tensor shapes (either
 * layout): the DINOv2 encoder (see `inferDinov2Config`; the head count, which shapes cannot tell,
 * from `numHeads` or the released model of that width), the head widths, BatchNorm and cls readout,
 * and the tapped layers (the DAv2 table for depth 12 / 24 / 40, every quarter otherwise).
 */
export function dav2ConfigFromCheckpoint(input: StateDictInput, options: { numHeads?: number } = {}): DepthAnythingV2Config {
  const source = asTensorSource(input);
  const keys = [...source.keys()].filter((k) => !isDataTensor(k));
  const { layout, prefix } = detectDepthAnythingV2Layout(keys);
  const encoder = inferDinov2Config(source, { prefix: prefix + (layout === 'official' ? 'pretrained.' : 'backbone.'), numHeads: options.numHeads });
  const head = layout === 'official' ? source : new HfHeadView(source, prefix);
  const hp = layout === 'official' ? `${prefix}depth_head.` : '';
  const shape = (name: string): readonly number[] => {
    const s = head.shapeOf?.(hp + name) ?? head.get(hp + name)?.shape;
    if (!s) throw new Error(`dav2ConfigFromCheckpoint: the checkpoint has no depth-head tensor '${name}' (${layout} layout)`);
    return s;
  };
  const has = (name: string) => [...head.keys()].includes(hp + name);
  return {
    encoder: { ...encoder, intermediateLayers: dinov2DefaultLayers(encoder.depth) },
    features: shape('scratch.layer1_rn.weight')[0],
    outChannels: [0, 1, 2, 3].map((i) => shape(`projects.${i}.weight`)[0]),
    useBn: has('scratch.refinenet1.resConfUnit1.bn1.weight'),
    useClsToken: has('readout_projects.0.0.weight'),
    layers: dinov2DefaultLayers(encoder.depth),
  };
}
