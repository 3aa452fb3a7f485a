import { type OnnxTypes, onnx } from './proto.js';

/** A value in the graph, by its name. */
export type Value = string;

/** A float attribute, even when the number is integral (`alpha: floatAttr(1)`). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export const floatAttr = (v: number): FloatAttr => new FloatAttr(v);

export type AttrValue = number | FloatAttr | string | number[] | OnnxTypes.ITensorProto;

export type ElementType = 'float32' | 'int64';

const ELEMENT_TYPE: Record<ElementType, number> = { float32: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64 };

/** A graph input or output: a name, an element type, and dims (numbers are fixed, strings are symbolic). */
export interface ValueSpec {
  name: string;
  type: ElementType;
  /** Fixed numbers or symbolic names; undefined when the shape is left to inference. */
  dims?: Array<number | string>;
}

/** One weight: its (state-dict) name, PyTorch-layout dims and float32 data. */
export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array;
}

function attribute(name: string, value: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (value instanceof FloatAttr) return { name, type: T.FLOAT, f: value.value };
  if (typeof value === 'number') return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) {
    if (!value.every((v) => Number.isInteger(v))) throw new Error(`attribute ${name}: only integer lists are emitted, got [${value}]`);
    return { name, type: T.INTS, ints: value };
  }
  return { name, type: T.TENSOR, t: value };
}

function valueInfo(spec: ValueSpec): OnnxTypes.IValueInfoProto {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPE[spec.type],
        ...(spec.dims ? { shape: { dim: spec.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}),
      },
    },
  };
}

/**
 * Collects the nodes, constants and weights of one ONNX graph. Node outputs get fresh unique names
 * under the current scope (the module path), so a graph reads like the module tree.
 */
export class GraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers = new Map<string, Initializer>();
  readonly inputs: ValueSpec[] = [];
  readonly outputs: ValueSpec[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, Value>();
  private scope = '';

  constructor(readonly opset: number) {}

  /** A name not used yet, derived from `base`. */
  unique(base: string): string {
    const clean = base.replace(/^\/+/, '') || 'v';
    let name = clean;
    for (let i = 1; this.names.has(name); i++) name = `${clean}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Runs `body` with node names under `scope` (a module path such as `decoder.upsample_1`). */
  withScope<T>(scope: string, body: () => T): T {
    const saved = this.scope;
    this.scope = scope;
    try {
      return body();
    } finally {
      this.scope = saved;
    }
  }

  /** Adds one node with a single output and returns that output. */
  op(opType: string, inputs: Array<Value | ''>, attrs: Record<string, AttrValue> = {}): Value {
    return this.opN(opType, inputs, 1, attrs)[0];
  }

  /** Adds one node with `outputs` outputs. */
  opN(opType: string, inputs: Array<Value | ''>, outputs: number, attrs: Record<string, AttrValue> = {}): Value[] {
    const base = this.scope ? `${this.scope}/${opType}` : opType;
    const name = this.unique(base);
    const outs = Array.from({ length: outputs }, (_, i) => this.unique(`${name}:${i}`));
    this.nodes.push({
      name,
      opType,
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** A constant tensor (a `Constant` node, shared when the same values are asked for again). */
  constant(type: ElementType, dims: number[], values: ArrayLike<number>): Value {
    const key = `${type}|${dims}|${Array.from(values).join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const tensor: OnnxTypes.ITensorProto =
      type === 'float32'
        ? { dims, dataType: ELEMENT_TYPE.float32, floatData: Array.from(values) }
        : { dims, dataType: ELEMENT_TYPE.int64, int64Data: Array.from(values) };
    const name = this.unique(`const_${type === 'float32' ? 'f' : 'i'}${dims.length ? `_${dims.join('x')}` : ''}`);
    this.nodes.push({ name: `${name}_node`, opType: 'Constant', input: [], output: [name], attribute: [attribute('value', tensor)] });
    this.names.add(`${name}_node`);
    this.constants.set(key, name);
    return name;
  }

  /** 1-D int64 constant. */
  ints(values: number[]): Value {
    return this.constant('int64', [values.length], values);
  }

  /** float32 scalar constant. */
  scalar(value: number): Value {
    return this.constant('float32', [], [value]);
  }

  /** int64 scalar constant. */
  intScalar(value: number): Value {
    return this.constant('int64', [], [value]);
  }

  /** Registers a weight under its state-dict name (once; later calls return the same value). */
  initializer(name: string, dims: number[], data: Float32Array): Value {
    if (this.initializers.has(name)) return name;
    if (this.names.has(name)) throw new Error(`initializer name '${name}' collides with a node value`);
    this.names.add(name);
    this.initializers.set(name, { name, dims, data });
    return name;
  }

  hasInitializer(name: string): boolean {
    return this.initializers.has(name);
  }

  addInput(spec: ValueSpec): Value {
    if (this.names.has(spec.name)) throw new Error(`graph input name '${spec.name}' is already used`);
    this.names.add(spec.name);
    this.inputs.push(spec);
    return spec.name;
  }

  /** Declares `value` a graph output named `spec.name` (through an Identity when the names differ). */
  addOutput(value: Value, spec: ValueSpec): void {
    if (value !== spec.name) {
      if (this.names.has(spec.name)) throw new Error(`graph output name '${spec.name}' is already used`);
      this.names.add(spec.name);
      this.nodes.push({ name: this.unique(`${spec.name}_identity`), opType: 'Identity', input: [value], output: [spec.name], attribute: [] });
    }
    this.outputs.push(spec);
  }

  /** The GraphProto; initializers are given by the caller (inline or external data). */
  toGraph(name: string, initializers: OnnxTypes.ITensorProto[]): OnnxTypes.IGraphProto {
    return {
      name,
      node: this.nodes,
      initializer: initializers,
      input: this.inputs.map(valueInfo),
      output: this.outputs.map(valueInfo),
    };
  }
}
