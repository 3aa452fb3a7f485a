import { type LoadReport, type StateDictInput, StateDictError, type TensorSource } from '@anydepth/core';
import { TensorView, type ViewEntry, asTensorSource } from '@anydepth/core/internal';
import type { Dinov2VisionTransformer } from './vit.js';

/**
 * DINOv2 checkpoints come in two layouts:
 * - `'official'`: the facebookresearch/dinov2 `DinoVisionTransformer` state dict (`cls_token`,
 *   `pos_embed`, `patch_embed.proj.*`, `blocks.<i>.attn.qkv.*`, `ls1.gamma`, `norm.*`) — the names
 *   this package uses; the DAv2 `.pth` files hold it under `pretrained.`. Chunked checkpoints
 *   (`blocks.<chunk>.<i>.*`) are accepted too.
 * - `'hf'`: transformers' `Dinov2Model` (`embeddings.position_embeddings`,
 *   `encoder.layer.<i>.attention.attention.query/key/value`, `layer_scale1.lambda1`, `layernorm.*`),
 *   e.g. under `backbone.` in `depth-anything/Depth-Anything-V2-*-hf`.
 */
export type Dinov2Layout = 'official' | 'hf';

const MARKERS: Array<[Dinov2Layout, string]> = [
  ['official', 'pos_embed'],
  ['official', 'patch_embed.proj.weight'],
  ['hf', 'embeddings.position_embeddings'],
  ['hf', 'embeddings.patch_embeddings.projection.weight'],
];

/**
 * Finds the layout and key prefix of the DINOv2 tensors in a checkpoint (e.g. `'pretrained.'`,
 * `'backbone.'`, `''`). With `prefix` given, only that prefix is considered.
 */
export function detectDinov2Layout(keys: Iterable<string>, prefix?: string): { layout: Dinov2Layout; prefix: string } {
  const all = [...keys];
  for (const key of all) {
    for (const [layout, marker] of MARKERS) {
      if (key !== marker && !key.endsWith(`.${marker}`)) continue;
      const p = key.slice(0, key.length - marker.length);
      if (prefix === undefined || p === prefix) return { layout, prefix: p };
    }
  }
  const sample = all.slice(0, 6).join(', ');
  throw new Error(
    `loadDinov2Weights: no DINOv2 tensors found${prefix !== undefined ? ` under prefix '${prefix}'` : ''} ` +
      `(expected official names such as 'pos_embed' / 'patch_embed.proj.weight' or Hugging Face names such as ` +
      `'embeddings.position_embeddings'); the checkpoint has: ${sample}${all.length > 6 ? ', …' : ''}`,
  );
}

/** Official name of a Hugging Face `Dinov2Model` tensor (q/k/v map to the fused `attn.qkv`), or null. */
export function hfToOfficialName(hf: string): string | null {
  const simple: Record<string, string> = {
    'embeddings.cls_token': 'cls_token',
    'embeddings.mask_token': 'mask_token',
    'embeddings.position_embeddings': 'pos_embed',
    'embeddings.register_tokens': 'register_tokens',
    'embeddings.patch_embeddings.projection.weight': 'patch_embed.proj.weight',
    'embeddings.patch_embeddings.projection.bias': 'patch_embed.proj.bias',
    'layernorm.weight': 'norm.weight',
    'layernorm.bias': 'norm.bias',
  };
  if (hf in simple) return simple[hf];
  const m = /^encoder\.layer\.(\d+)\.(.+)$/.exec(hf);
  if (!m) return null;
  const [, i, rest] = m;
  const table: Array<[RegExp, string]> = [
    [/^norm([12])\.(weight|bias)$/, 'norm$1.$2'],
    [/^attention\.attention\.(query|key|value)\.(weight|bias)$/, 'attn.qkv.$2'],
    [/^attention\.output\.dense\.(weight|bias)$/, 'attn.proj.$1'],
    [/^layer_scale([12])\.lambda1$/, 'ls$1.gamma'],
    [/^mlp\.(fc1|fc2)\.(weight|bias)$/, 'mlp.$1.$2'],
    [/^mlp\.weights_in\.(weight|bias)$/, 'mlp.w12.$1'],
    [/^mlp\.weights_out\.(weight|bias)$/, 'mlp.w3.$1'],
  ];
  for (const [re, to] of table) if (re.test(rest)) return `blocks.${i}.${rest.replace(re, to)}`;
  return null;
}

/**
 * A `TensorSource` showing a DINOv2 checkpoint (either layout, any prefix) under the official
 * names without a prefix: HF q/k/v are stacked into `qkv` (rows q, k, v), chunked
 * `blocks.<c>.<i>` become `blocks.<i>`. Names it does not know pass through unchanged, so a strict
 * load reports them as unexpected.
 */
export class Dinov2OfficialView extends TensorView {
  /** Official name → the checkpoint key(s) it came from (for error messages). */
  readonly origin = new Map<string, string[]>();

  constructor(
    source: TensorSource,
    readonly layout: Dinov2Layout,
    readonly prefix: string,
    ignore?: (key: string) => boolean,
  ) {
    super(source, 'loadDinov2Weights');
    const keys = [...source.keys()].filter((k) => k.startsWith(prefix) && !ignore?.(k));
    const qkvParts = new Map<string, Map<string, string>>();
    for (const key of keys) {
      const local = key.slice(prefix.length);
      if (layout === 'official') {
        const name = local.replace(/^blocks\.\d+\.(\d+)\./, 'blocks.$1.');
        this.add(name, [key], { shape: this.sourceShape(key), get: () => this.readSource(key) });
        continue;
      }
      const qkv = /^encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.(weight|bias)$/.exec(local);
      if (qkv) {
        const name = `blocks.${qkv[1]}.attn.qkv.${qkv[3]}`;
        if (!qkvParts.has(name)) qkvParts.set(name, new Map());
        qkvParts.get(name)!.set(qkv[2], key);
        continue;
      }
      const name = hfToOfficialName(local) ?? local;
      this.add(name, [key], { shape: this.sourceShape(key), get: () => this.readSource(key) });
    }
    for (const [name, parts] of qkvParts) {
      const order = ['query', 'key', 'value'].map((p) => parts.get(p));
      const present = order.filter((k): k is string => k !== undefined);
      if (present.length !== 3) {
        // Incomplete: expose what there is under its own name so the load reports it.
        present.forEach((k) => this.add(k.slice(prefix.length), [k], { shape: this.sourceShape(k), get: () => this.readSource(k) }));
        continue;
      }
      const shapes = present.map((k) => this.sourceShape(k));
      if (shapes.some((s) => s.length !== shapes[0].length || s.slice(1).some((d, j) => d !== shapes[0][j + 1]))) {
        throw new Error(`loadDinov2Weights: ${present.join(', ')} have different shapes [${shapes.map((s) => `[${s}]`).join(', ')}]`);
      }
      const shape = [shapes.reduce((n, s) => n + s[0], 0), ...shapes[0].slice(1)];
      this.add(name, present, {
        shape,
        get: () => {
          const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
          let offset = 0;
          for (const k of present) {
            const part = this.readSource(k).data;
            data.set(part instanceof Float32Array ? part : Float32Array.from(part as ArrayLike<number>), offset);
            offset += part.length;
          }
          return { dtype: 'F32', shape, data };
        },
      });
    }
  }

  private add(name: string, from: string[], entry: ViewEntry): void {
    if (this.entries.has(name)) throw new Error(`loadDinov2Weights: ${from.join(', ')} and ${this.origin.get(name)!.join(', ')} both map to '${name}'`);
    this.entries.set(name, entry);
    this.origin.set(name, from);
  }
}

export interface LoadDinov2WeightsOptions {
  /** Key prefix such as `'pretrained.'` or `'backbone.'`; detected when omitted. */
  prefix?: string;
  /** Fail on missing or unexpected tensors (default true). Shape mismatches always fail. */
  strict?: boolean;
  /** Keys to skip (full names, with the prefix). */
  ignore?: (key: string) => boolean;
}

export interface Dinov2LoadReport extends LoadReport {
  layout: Dinov2Layout;
  prefix: string;
}

/**
 * Loads DINOv2 weights from the official or the Hugging Face layout (detected), under any prefix.
 * Only keys under the prefix are considered. Every shape is checked before anything is assigned;
 * errors name the tensors under the checkpoint's own names.
 */
export function loadDinov2Weights(model: Dinov2VisionTransformer, input: StateDictInput, options: LoadDinov2WeightsOptions = {}): Dinov2LoadReport {
  const source = asTensorSource(input);
  const keys = [...source.keys()].filter((k) => !options.ignore?.(k));
  const { layout, prefix } = detectDinov2Layout(keys, options.prefix);
  const view = new Dinov2OfficialView(source, layout, prefix, options.ignore);
  const original = (name: string) => (view.origin.get(name) ?? [prefix + name]).join(' + ');
  try {
    const report = model.loadStateDict(view, { strict: options.strict ?? true });
    return { ...report, unexpected: report.unexpected.map(original), layout, prefix };
  } catch (e) {
    if (!(e instanceof StateDictError)) throw e;
    const r = e.report;
    throw new StateDictError(
      {
        loaded: r.loaded,
        missing: r.missing.map((n) => `${prefix}${n}`),
        unexpected: r.unexpected.map(original),
        mismatched: r.mismatched.map((m) => ({ ...m, name: original(m.name) })),
      },
      `loadDinov2Weights (${layout === 'hf' ? 'Hugging Face' : 'official'} names${prefix ? ` under '${prefix}'` : ''})`,
    );
  }
}
