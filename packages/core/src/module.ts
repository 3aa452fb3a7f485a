import * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, hostToTensor } from './host-tensor.js';
import { type ParamLayout, fromTorchLayout, toTorchLayout, torchShape } from './layout.js';

/** Anything `loadStateDict` can read: a plain object, a Map, or a lazy source such as a safetensors file. */
export interface TensorSource {
  keys(): Iterable<string>;
  get(name: string): tf.Tensor | HostTensor | undefined;
  /** The shape without decoding the data, when the source can tell it cheaply. */
  shapeOf?(name: string): readonly number[] | undefined;
}

export type StateDictInput = TensorSource | Record<string, tf.Tensor | HostTensor>;

export interface LoadStateDictOptions {
  /** Fail on any missing, unexpected or mismatched tensor (default true). Mismatched shapes always fail. */
  strict?: boolean;
  /** Only keys starting with this prefix are considered, and the prefix is stripped (e.g. `'decoder.'`). */
  prefix?: string;
  /** Keys for which this returns true are skipped silently (e.g. fixture data tensors). */
  ignore?: (key: string) => boolean;
}

export interface ShapeMismatch {
  name: string;
  /** PyTorch-layout shape the module expects. */
  expected: number[];
  /** Shape found in the state dict. */
  got: number[];
}

export interface LoadReport {
  loaded: string[];
  missing: string[];
  unexpected: string[];
  mismatched: ShapeMismatch[];
}

/** Thrown by `loadStateDict`; its message names every offending tensor and `report` lists them. */
export class StateDictError extends Error {
  constructor(
    readonly report: LoadReport,
    context = 'loadStateDict',
  ) {
    super(describeReport(report, context));
    this.name = 'StateDictError';
  }
}

function describeReport(r: LoadReport, context: string): string {
  const parts: string[] = [];
  if (r.mismatched.length) {
    parts.push(
      `shape mismatch for ${r.mismatched.length} tensor(s): ` +
        r.mismatched.map((m) => `${m.name} expected [${m.expected}] but the checkpoint has [${m.got}]`).join('; '),
    );
  }
  if (r.missing.length) parts.push(`missing ${r.missing.length} tensor(s): ${abbreviate(r.missing)}`);
  if (r.unexpected.length) parts.push(`unexpected ${r.unexpected.length} tensor(s): ${abbreviate(r.unexpected)}`);
  return `${context}: ${parts.join('. ')}`;
}

function abbreviate(names: string[], max = 12): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (${names.length - max} more)`;
}

interface Entry {
  variable: tf.Variable;
  layout: ParamLayout;
  kind: 'parameter' | 'buffer';
  persistent: boolean;
}

/** A state dict as a TensorSource: a TensorSource (e.g. an open safetensors file) as is, a record of tensors wrapped. */
export function asTensorSource(input: StateDictInput): TensorSource {
  if (typeof (input as TensorSource).keys === 'function' && typeof (input as TensorSource).get === 'function') {
    return input as TensorSource;
  }
  const record = input as Record<string, tf.Tensor | HostTensor>;
  return { keys: () => Object.keys(record), get: (k) => record[k] };
}

function shapeOfValue(value: tf.Tensor | HostTensor): number[] {
  return [...value.shape];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * A PyTorch-like module: named parameters and buffers with dotted state-dict names, child modules,
 * train/eval mode, and state-dict save/load with layout conversion. Parameters are `tf.Variable`s
 * in tfjs layout; `stateDict()` and `loadStateDict()` speak PyTorch layout so official
 * checkpoints load by name.
 */
export class Module {
  training = true;
  private readonly entries = new Map<string, Entry>();
  private readonly children = new Map<string, Module>();

  /** Registers a trainable parameter; returns the variable to use in `forward`. */
  protected addParameter(name: string, value: tf.Tensor, layout: ParamLayout = 'none'): tf.Variable {
    return this.addEntry(name, value, layout, 'parameter', true);
  }

  /** Registers a buffer (state that is saved but not trained, such as BatchNorm running statistics). */
  protected addBuffer(name: string, value: tf.Tensor, options: { layout?: ParamLayout; persistent?: boolean } = {}): tf.Variable {
    return this.addEntry(name, value, options.layout ?? 'none', 'buffer', options.persistent ?? true);
  }

  /** Registers a child module under `name` (use `'0'`, `'1'`, … for sequential children). */
  protected addModule<M extends Module>(name: string, module: M): M {
    if (name.includes('.') || name === '') throw new Error(`module name must be non-empty and contain no dots: '${name}'`);
    if (this.entries.has(name) || this.children.has(name)) throw new Error(`'${name}' is already registered`);
    this.children.set(name, module);
    return module;
  }

  private addEntry(name: string, value: tf.Tensor, layout: ParamLayout, kind: Entry['kind'], persistent: boolean): tf.Variable {
    if (name.includes('.') || name === '') throw new Error(`parameter name must be non-empty and contain no dots: '${name}'`);
    if (this.entries.has(name) || this.children.has(name)) throw new Error(`'${name}' is already registered`);
    const variable = tf.variable(value, kind === 'parameter', undefined, value.dtype);
    value.dispose();
    this.entries.set(name, { variable, layout, kind, persistent });
    return variable;
  }

  /** Child modules in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.children];
  }

  /** This module and every descendant, with dotted names (`''` for this one). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  private namedEntries(kind: Entry['kind'] | 'all', prefix = ''): Array<[string, Entry]> {
    const out: Array<[string, Entry]> = [];
    for (const [name, entry] of this.entries) {
      if (kind === 'all' || entry.kind === kind) out.push([prefix ? `${prefix}.${name}` : name, entry]);
    }
    for (const [name, child] of this.children) out.push(...child.namedEntries(kind, prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Parameters with their dotted names, in PyTorch's order (own first, then children). */
  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    return this.namedEntries('parameter', prefix).map(([n, e]) => [n, e.variable]);
  }

  parameters(): tf.Variable[] {
    return this.namedEntries('parameter').map(([, e]) => e.variable);
  }

  /** Parameters that take gradients (not frozen by `requiresGrad(false)`). */
  trainableParameters(): tf.Variable[] {
    return this.parameters().filter((v) => v.trainable);
  }

  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    return this.namedEntries('buffer', prefix).map(([n, e]) => [n, e.variable]);
  }

  /** Number of parameter elements, like `sum(p.numel() for p in module.parameters())`. */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const v of options.trainableOnly ? this.trainableParameters() : this.parameters()) n += v.size;
    return n;
  }

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) {
      m.training = mode;
      if (mode) m.releaseInferenceCaches();
    }
    return this;
  }

  /**
   * Drops what this module keeps only for eval-mode speed (a convolution's folded BatchNorm weights); called when it
   * enters training mode, where the weights change every step and such caches would only hold memory, and on
   * `dispose`.
   */
  protected releaseInferenceCaches(): void {}

  eval(): this {
    return this.train(false);
  }

  /** Freezes (`false`) or unfreezes (`true`) every parameter: frozen ones are left out of `trainableParameters()`. */
  requiresGrad(flag: boolean): this {
    for (const v of this.parameters()) v.trainable = flag;
    return this;
  }

  /**
   * The state dict in PyTorch layout: every parameter and persistent buffer under its dotted name.
   * Returns new tensors; the caller disposes them.
   */
  stateDict(prefix = ''): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, entry] of this.namedEntries('all', prefix)) {
      if (!entry.persistent) continue;
      out[name] = toTorchLayout(entry.layout, entry.variable);
    }
    return out;
  }

  /** PyTorch-layout shapes of every state-dict entry, without copying data. */
  stateDictShapes(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [name, entry] of this.namedEntries('all')) {
      if (entry.persistent) out[name] = torchShape(entry.layout, entry.variable.shape);
    }
    return out;
  }

  /**
   * Loads a PyTorch-layout state dict. Every tensor is checked before anything is assigned, so a
   * failed load leaves the module unchanged. With `strict` (default) any missing or unexpected
   * tensor throws a {@link StateDictError}; a shape mismatch always throws.
   */
  loadStateDict(input: StateDictInput, options: LoadStateDictOptions = {}): LoadReport {
    const strict = options.strict ?? true;
    const prefix = options.prefix ?? '';
    const source = asTensorSource(input);
    const targets = new Map(this.namedEntries('all').filter(([, e]) => e.persistent));
    const report: LoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [] };
    const plan: Array<[string, string, Entry]> = [];
    const seen = new Set<string>();

    for (const key of source.keys()) {
      if (prefix && !key.startsWith(prefix)) continue;
      if (options.ignore?.(key)) continue;
      const name = key.slice(prefix.length);
      const entry = targets.get(name);
      if (!entry) {
        report.unexpected.push(key);
        continue;
      }
      seen.add(name);
      const expected = torchShape(entry.layout, entry.variable.shape);
      let got = source.shapeOf?.(key);
      if (!got) {
        const value = source.get(key);
        if (!value) continue;
        got = shapeOfValue(value);
      }
      // A scalar and a one-element vector are the same state (num_batches_tracked is saved either way).
      const scalarLike = entry.variable.size === 1 && got.reduce((a, b) => a * b, 1) === 1;
      if (!sameShape(expected, got) && !scalarLike) {
        report.mismatched.push({ name: key, expected, got: [...got] });
        continue;
      }
      plan.push([key, name, entry]);
    }
    for (const name of targets.keys()) if (!seen.has(name)) report.missing.push(prefix + name);

    if (report.mismatched.length || (strict && (report.missing.length || report.unexpected.length))) {
      throw new StateDictError(report);
    }
    for (const [key, name, entry] of plan) {
      const value = source.get(key)!;
      tf.tidy(() => {
        let t = value instanceof tf.Tensor ? value : hostToTensor(value);
        if (t.dtype !== entry.variable.dtype) t = tf.cast(t, entry.variable.dtype);
        if (entry.variable.size === 1 && t.size === 1) t = tf.reshape(t, entry.variable.shape);
        entry.variable.assign(fromTorchLayout(entry.layout, t, entry.variable.shape));
      });
      report.loaded.push(name);
    }
    return report;
  }

  /**
   * Releases every parameter and buffer, and what child modules keep besides (their own `dispose`, e.g.
   * a convolution's folded inference weights). The module cannot be used afterwards.
   */
  dispose(): void {
    this.releaseInferenceCaches();
    for (const [, e] of this.entries) e.variable.dispose();
    for (const [, child] of this.children) child.dispose();
  }
}

/** A module mapping one tensor to one tensor; what `Sequential` composes. */
export abstract class Layer extends Module {
  abstract forward(x: tf.Tensor): tf.Tensor;

  /** Alias of `forward`, for symmetry with Keras. */
  apply(x: tf.Tensor): tf.Tensor {
    return this.forward(x);
  }
}
