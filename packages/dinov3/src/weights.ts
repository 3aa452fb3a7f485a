import * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, type LoadReport, type ShapeMismatch, type StateDictInput, StateDictError, type TensorSource } from '@anydepth/core';
import { type HostArray, TensorView, asTensorSource, asHostTensor, numElements } from '@anydepth/core/internal';
import { headDim } from './config.js';
import { ropePeriods } from './rope.js';
import type { DinoVisionTransformer } from './vit.js';

/**
 * DINOv3 checkpoints come with two naming schemes (spec architecture.md §2.6):
 * - `'hf'`: Hugging Face `DINOv3ViTModel` (`embeddings.*`, `layer.{i}.attention.q_proj…`) — the names
 *   this package uses for its parameters;
 * - `'hub'`: the original torch-hub `.pth` (`cls_token`, `storage_tokens`, `blocks.{i}.attn.qkv…` with
 *   `bias_mask`), e.g. converted to safetensors.
 * `loadDinov3Weights` detects which one a checkpoint uses and maps the hub names on the fly.
 */
export type WeightScheme = 'hf' | 'hub';

const HF_MARKERS = [/^embeddings\.(cls_token|patch_embeddings\.weight)$/, /^layer\.\d+\.attention\.q_proj\.weight$/];
const HUB_MARKERS = [/^storage_tokens$/, /^patch_embed\.proj\.weight$/, /^blocks\.\d+\.attn\.qkv\.weight$/];

/**
 * Finds the naming scheme and the key prefix (e.g. `'encoder.'`) of a DINOv3 checkpoint from its
 * tensor names. With `prefix` given, only that prefix is considered.
 */
export function detectWeightScheme(keys: Iterable<string>, prefix?: string): { scheme: WeightScheme; prefix: string } {
  const all = [...keys];
  const candidates = prefix !== undefined ? [prefix] : [...new Set(all.map((k) => prefixOf(k)).filter((p): p is string => p !== null))];
  for (const p of candidates) {
    const rest = all.filter((k) => k.startsWith(p)).map((k) => k.slice(p.length));
    if (rest.some((k) => HF_MARKERS.some((m) => m.test(k)))) return { scheme: 'hf', prefix: p };
    if (rest.some((k) => HUB_MARKERS.some((m) => m.test(k)))) return { scheme: 'hub', prefix: p };
  }
  const sample = all.slice(0, 6).join(', ');
  throw new Error(
    `loadDinov3Weights: no DINOv3 tensors found${prefix ? ` under prefix '${prefix}'` : ''} ` +
      `(expected HF names such as 'embeddings.cls_token' or torch-hub names such as 'storage_tokens'); the checkpoint has: ${sample}${all.length > 6 ? ', …' : ''}`,
  );
}

/** The prefix in front of a marker tensor name, or null when the key is no marker. */
function prefixOf(key: string): string | null {
  for (const marker of ['embeddings.cls_token', 'embeddings.patch_embeddings.weight', 'storage_tokens', 'patch_embed.proj.weight']) {
    if (key === marker) return '';
    if (key.endsWith(`.${marker}`)) return key.slice(0, key.length - marker.length);
  }
  const m = /^(.*?)(layer|blocks)\.0\.(attention\.q_proj|attn\.qkv)\.weight$/.exec(key);
  return m ? m[1] : null;
}

// ---------------------------------------------------------------------------------------------
// Name mapping

/** Top-level tensors, torch hub → HF (the final `norm.*` keeps its name). */
const TOP_LEVEL_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['cls_token', 'embeddings.cls_token'],
  ['mask_token', 'embeddings.mask_token'],
  ['storage_tokens', 'embeddings.register_tokens'],
  ['patch_embed.proj.weight', 'embeddings.patch_embeddings.weight'],
  ['patch_embed.proj.bias', 'embeddings.patch_embeddings.bias'],
  ['norm.weight', 'norm.weight'],
  ['norm.bias', 'norm.bias'],
];

/** Tensors inside block i, torch hub → HF (without `blocks.i.` / `layer.i.`); `*` is `weight` or `bias`. */
const BLOCK_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['norm1.*', 'norm1.*'],
  ['norm2.*', 'norm2.*'],
  ['attn.proj.*', 'attention.o_proj.*'],
  ['ls1.gamma', 'layer_scale1.lambda1'],
  ['ls2.gamma', 'layer_scale2.lambda1'],
];
const MLP_NAMES: Readonly<Record<'mlp' | 'swiglu', ReadonlyArray<readonly [string, string]>>> = {
  mlp: [
    ['mlp.fc1.*', 'mlp.up_proj.*'],
    ['mlp.fc2.*', 'mlp.down_proj.*'],
  ],
  swiglu: [
    ['mlp.w1.*', 'mlp.gate_proj.*'],
    ['mlp.w2.*', 'mlp.up_proj.*'],
    ['mlp.w3.*', 'mlp.down_proj.*'],
  ],
};

/** `name` under the rule whose `from` side matches (`*` = weight | bias), or null. */
function renameBlockTensor(name: string, ffn: 'mlp' | 'swiglu', direction: 0 | 1): string | null {
  for (const rule of [...BLOCK_NAMES, ...MLP_NAMES[ffn]]) {
    const from = rule[direction];
    const to = rule[1 - direction];
    if (!from.endsWith('*')) {
      if (name === from) return to;
    } else if (name.startsWith(from.slice(0, -1)) && /^(weight|bias)$/.test(name.slice(from.length - 1))) {
      return to.slice(0, -1) + name.slice(from.length - 1);
    }
  }
  return null;
}

/** Torch-hub → HF name for tensors that map one to one (qkv is handled separately). */
export function hubToHfName(hub: string, ffn: 'mlp' | 'swiglu' = 'mlp'): string | null {
  const top = TOP_LEVEL_NAMES.find(([h]) => h === hub);
  if (top) return top[1];
  const m = /^blocks\.(\d+)\.(.+)$/.exec(hub);
  const inner = m ? renameBlockTensor(m[2], ffn, 0) : null;
  return inner === null ? null : `layer.${m![1]}.${inner}`;
}

/** HF → torch-hub name (q/k/v map to the fused `attn.qkv`); names it does not know are returned unchanged. */
export function hfToHubName(hf: string, ffn: 'mlp' | 'swiglu' = 'mlp'): string {
  const top = TOP_LEVEL_NAMES.find(([, h]) => h === hf);
  if (top) return top[0];
  const m = /^layer\.(\d+)\.(.+)$/.exec(hf);
  if (!m) return hf;
  const qkv = /^attention\.[qkv]_proj\.(weight|bias)$/.exec(m[2]);
  return `blocks.${m[1]}.${qkv ? `attn.qkv.${qkv[1]}` : (renameBlockTensor(m[2], ffn, 1) ?? m[2])}`;
}

/**
 * PyTorch-layout shapes of the torch-hub state dict this model corresponds to, split into
 * parameters and buffers (`qkv.bias_mask`, `rope_embed.periods`). Derived from the module's own
 * parameters: q/k/v fuse into `qkv` and the K bias (absent here, masked to zero there) is added back.
 */
export function hubStateDictShapes(model: DinoVisionTransformer): { parameters: Record<string, number[]>; buffers: Record<string, number[]> } {
  const ffn = model.config.ffn;
  const parameters: Record<string, number[]> = {};
  const buffers: Record<string, number[]> = {};
  const torchShapes = model.stateDictShapes();
  for (const [name, v] of model.namedParameters()) {
    const shape = torchShapes[name] ?? v.shape;
    const hub = hfToHubName(name, ffn);
    if (/\.attn\.qkv\.(weight|bias)$/.test(hub)) {
      // q_proj / k_proj / v_proj stack along the output axis; the K bias exists in the hub checkpoint.
      const prev = parameters[hub];
      if (hub.endsWith('.bias')) {
        parameters[hub] = [3 * shape[0]];
        buffers[hub.replace(/\.bias$/, '.bias_mask')] = [3 * shape[0]];
      } else {
        parameters[hub] = prev ? [prev[0] + shape[0], shape[1]] : [...shape];
      }
    } else if (name === 'embeddings.mask_token') {
      parameters[hub] = [shape[0], shape[2]];
    } else {
      parameters[hub] = [...shape];
    }
  }
  buffers['rope_embed.periods'] = [headDim(model.config) / 4];
  return { parameters, buffers };
}

/** Parameter count under a naming scheme: `'hf'` = the module's own, `'hub'` = the original checkpoint (with the K biases). */
export function countParameters(model: DinoVisionTransformer, scheme: WeightScheme = 'hf'): number {
  if (scheme === 'hf') return model.numParameters();
  return Object.values(hubStateDictShapes(model).parameters).reduce((n, s) => n + numElements(s), 0);
}

// ---------------------------------------------------------------------------------------------
// Hub → HF view

function rows(host: HostTensor, start: number, count: number): HostTensor {
  const rowSize = host.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = (host.data as Float32Array).slice(start * rowSize, (start + count) * rowSize) as HostArray;
  return { dtype: host.dtype, shape: [count, ...host.shape.slice(1)], data };
}

function toFloat(host: HostTensor): Float64Array | Float32Array {
  if (host.data instanceof Float32Array || host.data instanceof Float64Array) return host.data;
  return Float32Array.from(host.data as ArrayLike<number>);
}

/**
 * A `TensorSource` that shows a torch-hub checkpoint under HF names: `qkv` split into q/k/v with
 * the bias multiplied by `bias_mask` and the (zero) K bias dropped, `mask_token` (1,D) → (1,1,D),
 * `storage_tokens` → `register_tokens`, `ls{1,2}.gamma` → `layer_scale{1,2}.lambda1`,
 * `mlp.fc1/fc2` → `up_proj/down_proj` (SwiGLU: `w1/w2/w3` → `gate_proj/up_proj/down_proj`).
 * Unknown names pass through unchanged, so a strict load reports them.
 */
export class HubToHfSource extends TensorView {
  private cache: { key: string; value: HostTensor } | null = null;
  private readonly checks: Array<() => void> = [];
  /** Hub tensors that are consumed without a counterpart (`bias_mask`, `rope_embed.periods`, `local_cls_norm.*`). */
  readonly consumed: string[] = [];

  constructor(
    source: TensorSource,
    readonly prefix: string,
    ffn: 'mlp' | 'swiglu',
    ignore?: (key: string) => boolean,
  ) {
    super(source, 'loadDinov3Weights');
    const keys = [...source.keys()].filter((k) => k.startsWith(prefix) && !ignore?.(k)).map((k) => k.slice(prefix.length));
    const keySet = new Set(keys);
    for (const key of keys) {
      const shape = this.shapeOfHub(key);
      if (/^blocks\.\d+\.attn\.qkv\.weight$/.test(key)) {
        const base = key.replace(/\.qkv\.weight$/, '');
        const hf = base.replace(/^blocks\.(\d+)\.attn$/, 'layer.$1.attention');
        const d = shape[0] / 3;
        ['q', 'k', 'v'].forEach((p, j) => {
          this.entries.set(`${hf}.${p}_proj.weight`, { shape: [d, ...shape.slice(1)], get: () => rows(this.read(key), j * d, d) });
        });
      } else if (/^blocks\.\d+\.attn\.qkv\.bias$/.test(key)) {
        const hf = key.replace(/^blocks\.(\d+)\.attn\.qkv\.bias$/, 'layer.$1.attention');
        const maskKey = key.replace(/\.bias$/, '.bias_mask');
        const d = shape[0] / 3;
        const masked = (): Float32Array => {
          const bias = toFloat(this.read(key));
          const mask = keySet.has(maskKey) ? toFloat(this.read(maskKey)) : null;
          if (mask && mask.length !== bias.length) {
            throw new Error(`loadDinov3Weights: ${prefix}${maskKey} has ${mask.length} values but ${prefix}${key} has ${bias.length}`);
          }
          const out = new Float32Array(bias.length);
          for (let i = 0; i < bias.length; i++) out[i] = mask ? bias[i] * mask[i] : bias[i];
          // The HF model has no K bias: it must be zero once masked (DINOv3 uses mask_k_bias=True).
          for (let i = d; i < 2 * d; i++) {
            if (out[i] !== 0) {
              throw new Error(
                `loadDinov3Weights: ${prefix}${key} has a non-zero K bias (index ${i}: ${out[i]}) and no bias_mask zeroing it; ` +
                  'DINOv3 checkpoints mask the K bias, this checkpoint cannot be represented',
              );
            }
          }
          return out;
        };
        this.entries.set(`${hf}.q_proj.bias`, { shape: [d], get: () => ({ dtype: 'F32', shape: [d], data: masked().slice(0, d) }) });
        this.entries.set(`${hf}.v_proj.bias`, { shape: [d], get: () => ({ dtype: 'F32', shape: [d], data: masked().slice(2 * d) }) });
        // Validate the K third (and the mask length) even though nothing loads into it.
        this.checks.push(() => void masked());
      } else if (/^blocks\.\d+\.attn\.qkv\.bias_mask$/.test(key) || key === 'rope_embed.periods' || key.startsWith('local_cls_norm.')) {
        this.consumed.push(key);
      } else if (key === 'mask_token') {
        const target = shape.length === 2 ? [shape[0], 1, shape[1]] : shape;
        this.entries.set('embeddings.mask_token', { shape: target, get: () => ({ ...this.read(key), shape: target }) });
      } else {
        const hf = hubToHfName(key, ffn);
        if (hf) this.entries.set(hf, { shape, get: () => this.read(key) });
        else if (/^blocks\.\d+\.mlp\.w12\.(weight|bias)$/.test(key)) {
          // DINOv2-style fused SwiGLU: first half gate (w1), second half up (w2).
          const layerName = key.replace(/^blocks\.(\d+)\.mlp\.w12\.(\w+)$/, 'layer.$1.mlp');
          const kind = key.endsWith('.weight') ? 'weight' : 'bias';
          const half = shape[0] / 2;
          this.entries.set(`${layerName}.gate_proj.${kind}`, { shape: [half, ...shape.slice(1)], get: () => rows(this.read(key), 0, half) });
          this.entries.set(`${layerName}.up_proj.${kind}`, { shape: [half, ...shape.slice(1)], get: () => rows(this.read(key), half, half) });
        } else this.entries.set(key, { shape, get: () => this.read(key) });
      }
    }
  }

  private shapeOfHub(key: string): number[] {
    return this.sourceShape(this.prefix + key);
  }

  /** A hub tensor by its name without the prefix; the last one read is kept (q, k and v rows come from one qkv). */
  private read(key: string): HostTensor {
    if (this.cache?.key === key) return this.cache.value;
    const value = this.readSource(this.prefix + key);
    this.cache = { key, value };
    return value;
  }

  /** Runs the checks that have no tensor to load into (masked K bias). */
  validate(): void {
    for (const check of this.checks) check();
  }

  /** Reads a hub tensor by its original name (without the prefix). */
  readHub(key: string): HostTensor | undefined {
    return this.source.get(this.prefix + key) ? this.read(key) : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

export interface LoadDinov3WeightsOptions {
  /** Key prefix such as `'encoder.'`; detected automatically when omitted. */
  prefix?: string;
  /** Force a naming scheme instead of detecting it. */
  scheme?: WeightScheme;
  /** Fail on missing or unexpected tensors (default true). Shape mismatches always fail. */
  strict?: boolean;
  /** Keys to skip (full names, with the prefix), e.g. fixture data tensors. */
  ignore?: (key: string) => boolean;
}

export interface Dinov3LoadReport extends LoadReport {
  scheme: WeightScheme;
  prefix: string;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Loads DINOv3 weights into the model from either naming scheme (detected automatically), with an
 * optional prefix. Every shape is checked before anything is assigned; a mismatch throws a
 * `StateDictError` naming the first mismatched tensor (under the checkpoint's own name) with both shapes.
 */
export function loadDinov3Weights(model: DinoVisionTransformer, input: StateDictInput, options: LoadDinov3WeightsOptions = {}): Dinov3LoadReport {
  const source = asTensorSource(input);
  const keys = [...source.keys()].filter((k) => !options.ignore?.(k));
  const detected =
    options.scheme !== undefined
      ? { scheme: options.scheme, prefix: options.prefix ?? detectWeightScheme(keys).prefix }
      : detectWeightScheme(keys, options.prefix);
  const { scheme, prefix } = detected;
  const strict = options.strict ?? true;

  if (scheme === 'hf') {
    // `rope_embeddings.inv_freq` (older HF exports) is derived from the config: check it, do not load it.
    const invFreqKey = `${prefix}rope_embeddings.inv_freq`;
    if (keys.includes(invFreqKey)) checkPeriods(model, asHostTensor(source.get(invFreqKey)!), invFreqKey, true);
    try {
      const report = model.loadStateDict(source, { strict, prefix, ignore: (k) => k === invFreqKey || (options.ignore?.(k) ?? false) });
      return { ...report, scheme, prefix };
    } catch (e) {
      if (e instanceof StateDictError) throw new StateDictError(e.report, 'loadDinov3Weights (Hugging Face names)');
      throw e;
    }
  }

  // Torch-hub names: check every shape against the hub layout of this model first, in checkpoint order.
  const expected = hubStateDictShapes(model);
  const expectedAll = { ...expected.parameters, ...expected.buffers };
  const mismatched: ShapeMismatch[] = [];
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    let want = expectedAll[name];
    if (name === 'mask_token' && want) {
      const got = source.shapeOf?.(key) ?? source.get(key)?.shape;
      if (got && got.length === 3) want = [want[0], 1, want[1]];
    }
    if (!want) continue;
    const got = [...(source.shapeOf?.(key) ?? source.get(key)?.shape ?? [])];
    if (!sameShape(want, got)) mismatched.push({ name: key, expected: want, got });
  }
  if (mismatched.length) {
    throw new StateDictError({ loaded: [], missing: [], unexpected: [], mismatched }, 'loadDinov3Weights (torch-hub names)');
  }
  const view = new HubToHfSource(source, prefix, model.config.ffn, options.ignore);
  view.validate();
  const periods = view.readHub('rope_embed.periods');
  if (periods) checkPeriods(model, periods, `${prefix}rope_embed.periods`, false);
  try {
    const report = model.loadStateDict(view, { strict });
    return { ...report, scheme, prefix };
  } catch (e) {
    if (e instanceof StateDictError) {
      const ffn = model.config.ffn;
      const hubReport: LoadReport = {
        ...e.report,
        missing: [...new Set(e.report.missing.map((n) => prefix + hfToHubName(n, ffn)))],
        unexpected: e.report.unexpected.map((n) => prefix + n),
      };
      throw new StateDictError(hubReport, 'loadDinov3Weights (torch-hub names)');
    }
    throw e;
  }
}

/** Checks a stored `rope_embed.periods` (or HF `inv_freq` = 1/periods) against the model's RoPE base. */
function checkPeriods(model: DinoVisionTransformer, stored: HostTensor, key: string, inverse: boolean): void {
  const want = ropePeriods(headDim(model.config), model.config.ropeBase);
  const got = toFloat(stored);
  const bad = got.length !== want.length || [...want].some((p, i) => Math.abs((inverse ? 1 / got[i] : got[i]) - p) > 1e-4 * p);
  if (bad) {
    throw new Error(
      `loadDinov3Weights: ${key} does not match RoPE base ${model.config.ropeBase} with head dim ${headDim(model.config)} ` +
        `(expected ${inverse ? 'inverse ' : ''}periods [${[...want].map((p) => p.toPrecision(6)).join(', ')}], got [${[...got].map((p) => p.toPrecision(6)).join(', ')}])`,
    );
  }
}

/**
 * The model's weights under torch-hub names and layout (q/k/v fused into `qkv` with a zero K bias,
 * `bias_mask` and `rope_embed.periods` buffers), as the official `DinoVisionTransformer.state_dict()`.
 * Returns new tensors; the caller disposes them.
 */
export function toHubStateDict(model: DinoVisionTransformer): Record<string, tf.Tensor> {
  const ffn = model.config.ffn;
  const hf = model.stateDict();
  const out: Record<string, tf.Tensor> = {};
  const d = model.config.embedDim;
  for (let i = 0; i < model.config.depth; i++) {
    const a = `layer.${i}.attention`;
    out[`blocks.${i}.attn.qkv.weight`] = tf.concat([hf[`${a}.q_proj.weight`], hf[`${a}.k_proj.weight`], hf[`${a}.v_proj.weight`]], 0); // [3D, D]
    out[`blocks.${i}.attn.qkv.bias`] = tf.tidy(() => tf.concat([hf[`${a}.q_proj.bias`], tf.zeros([d]), hf[`${a}.v_proj.bias`]], 0)); // [3D]
    out[`blocks.${i}.attn.qkv.bias_mask`] = tf.tidy(() => tf.concat([tf.ones([d]), tf.zeros([d]), tf.ones([d])], 0)); // [3D]
  }
  for (const [name, t] of Object.entries(hf)) {
    if (/\.attention\.[qkv]_proj\./.test(name)) {
      t.dispose();
      continue;
    }
    if (name === 'embeddings.mask_token') {
      out.mask_token = tf.reshape(t, [1, d]);
      t.dispose();
      continue;
    }
    out[hfToHubName(name, ffn)] = t;
  }
  out['rope_embed.periods'] = tf.tensor1d(Float32Array.from(ropePeriods(headDim(model.config), model.config.ropeBase)));
  return out;
}
