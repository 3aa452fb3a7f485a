import type { Module } from '@anydepth/core';
import { AnyDepth, DepthAnythingV2 } from '@anydepth/model';
import { registerBuiltinEmitters } from './builtins.js';
import { EmitContext } from './emit-context.js';
import { type ExternalDataOptions, type InitializerPlacement, placeInitializers } from './external-data.js';
import { GraphBuilder, type ValueSpec } from './graph-builder.js';
import { DEFAULT_OPSET, IR_VERSION, MAX_OPSET, MIN_OPSET, type OnnxTypes, onnx } from './proto.js';
import { type OnnxFeature, canEmit, emitFeatures, emitForward, emitHead, emitterFor } from './registry.js';

/** Which spatial axes of the graph input are left symbolic. */
export interface DynamicAxes {
  batch?: boolean;
  height?: boolean;
  width?: boolean;
}

export interface ExportOnnxOptions extends ExternalDataOptions {
  /**
   * Image models: the NCHW input [B, C, H, W] (like the PyTorch export). Heads: the token grid
   * [B, h, w] of their input features. Other layers: the input shape in the graph's layout.
   * Axes named in `dynamicAxes` may be left out (pass any number there).
   */
  inputShape?: number[];
  /** Leave these axes symbolic (`true` = batch, height and width). The graph then computes RoPE tables, DySample grids and padding from the run-time shape. */
  dynamicAxes?: DynamicAxes | true;
  /** ONNX opset, 16–18 (default 17: LayerNormalization; 16 decomposes it). */
  opset?: number;
  /** Progress while weights are gathered: `done` of `total` state-dict tensors. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Encoders (DINOv3): export `getIntermediateLayers` instead of `forward` — outputs `features.{i}.patches`
   * [B, D, h, w] and `features.{i}.cls` [B, D] for the tapped blocks (default the config's, final norm applied).
   */
  features?: { layers?: number[]; norm?: boolean };
  /**
   * Also store the float state-dict tensors the graph never reads (e.g. `mask_token`, DAv2's unused
   * `refinenet4.resConfUnit1`) as initializers, so the file holds the whole state dict and loads back
   * strictly. onnxruntime ignores them. Default false (like a PyTorch export).
   */
  includeUnusedWeights?: boolean;
  /** Extra `metadata_props` of the model. */
  metadata?: Record<string, string>;
}

export interface OnnxExport {
  /** The serialised ModelProto. */
  model: Uint8Array;
  /** The weights file when external data is used (write it beside the model under `location`). */
  externalData: { location: string; chunks: Uint8Array[]; byteLength: number } | null;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  /** Initializer (weight) names in graph order: PyTorch state-dict names. */
  initializers: string[];
  /** Bytes of all weights. */
  weightBytes: number;
}

type Kind = 'image' | 'head' | 'layer';

/** Whole depth models: `image` → `depth`. */
function isDepthModel(model: Module): model is AnyDepth | DepthAnythingV2 {
  return model instanceof AnyDepth || model instanceof DepthAnythingV2;
}

/** The image channels of an image model (depth models and encoders with a `config.inChannels`), else undefined. */
function imageChannels(model: Module): number | undefined {
  if (model instanceof AnyDepth) return 3;
  if (model instanceof DepthAnythingV2) return model.config.encoder.inChannels;
  const c = (model as { config?: { inChannels?: unknown } }).config?.inChannels;
  return typeof c === 'number' ? c : undefined;
}

function kindOf(model: Module): Kind {
  if (!emitterFor(model)) return 'layer'; // emitForward reports the missing emitter with the known classes
  if (canEmit(model, 'forward')) return imageChannels(model) !== undefined ? 'image' : 'layer';
  if (canEmit(model, 'head')) return 'head';
  return 'layer';
}

/** Adds every float32 state-dict tensor that no node read (PyTorch layout, state-dict name). */
function addUnusedWeights(model: Module, g: GraphBuilder): void {
  const shapes = model.stateDictShapes();
  if (Object.keys(shapes).every((k) => g.hasInitializer(k))) return;
  const state = model.stateDict();
  try {
    for (const [k, t] of Object.entries(state)) {
      if (!g.hasInitializer(k) && t.dtype === 'float32') g.initializer(k, [...t.shape], t.dataSync() as Float32Array);
    }
  } finally {
    for (const t of Object.values(state)) t.dispose();
  }
}

function resolveDynamic(d: ExportOnnxOptions['dynamicAxes']): Required<DynamicAxes> {
  if (d === true) return { batch: true, height: true, width: true };
  return { batch: d?.batch ?? false, height: d?.height ?? false, width: d?.width ?? false };
}

function dims(
  shape: number[] | undefined,
  rank: number,
  dynamic: Required<DynamicAxes>,
  names: [string, string, string],
  fixed: Record<number, number>,
  what: string,
): Array<number | string> {
  const axes: Array<keyof DynamicAxes> = ['batch', 'height', 'width'];
  const positions = rank === 4 ? [0, 2, 3] : [0, 1, 2];
  const out: Array<number | string> = [];
  for (let i = 0; i < rank; i++) {
    const k = positions.indexOf(i);
    if (k >= 0 && dynamic[axes[k]]) {
      out.push(names[k]);
      continue;
    }
    const v = fixed[i] ?? shape?.[i];
    if (v === undefined || !Number.isInteger(v) || v < 1) {
      throw new Error(
        `exportOnnx: ${what} needs inputShape [${rank === 4 ? 'B, C, H, W' : 'B, h, w'}] with a positive integer at axis ${i} (or that axis in dynamicAxes), got ${shape ? `[${shape}]` : 'none'}`,
      );
    }
    if (fixed[i] !== undefined && shape?.[i] !== undefined && shape[i] !== fixed[i]) {
      throw new Error(`exportOnnx: ${what} has ${fixed[i]} channels, inputShape says ${shape[i]}`);
    }
    out.push(v);
  }
  return out;
}

/**
 * Exports a model built from this project's modules to ONNX: every module emits its own nodes
 * (no tracing), weights become initializers under their PyTorch state-dict names (PyTorch layouts),
 * and graph inputs/outputs are NCHW float32 like the PyTorch export. Always exports inference
 * semantics (BatchNorm with running statistics).
 *
 * - AnyDepth, Depth Anything V2 (and any encoder with a `config.inChannels`, e.g. DINOv2 / DINOv3): input `image`
 *   [B, C, H, W], output `depth` (the depth models) or `output` (an encoder's final tokens [B, N, D]).
 * - Heads (SDTHead, DPTHead): inputs `features.{i}.patches` [B, D_i, h, w] (and `features.{i}.cls` [B, D_i] when read), output `logits`.
 * - Any other module with a `forward` emitter: input `input`, output `output`.
 */
export function exportOnnx(model: Module, options: ExportOnnxOptions = {}): OnnxExport {
  registerBuiltinEmitters();
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new Error(`exportOnnx: opset must be an integer in ${MIN_OPSET}..${MAX_OPSET} (GridSample needs 16), got ${opset}`);
  }
  const g = new GraphBuilder(opset);
  const ctx = new EmitContext(g, model);
  const dynamic = resolveDynamic(options.dynamicAxes);
  const total = Object.keys(model.stateDictShapes()).length;
  if (options.onProgress) {
    const add = g.initializer.bind(g);
    g.initializer = (name, d, data) => {
      const v = add(name, d, data);
      options.onProgress!(g.initializers.size, total);
      return v;
    };
  }

  const kind = kindOf(model);
  const name = model.constructor.name;
  if (kind === 'head') {
    const declared = (model as { inChannels?: number[] | number }).inChannels;
    const widths = typeof declared === 'number' ? [declared, declared, declared, declared] : declared;
    if (!Array.isArray(widths)) throw new Error(`exportOnnx: head ${name} has no inChannels list to size its feature inputs`);
    const [b, h, w] = dims(options.inputShape, 3, dynamic, ['batch', 'grid_height', 'grid_width'], {}, `head ${name}`);
    const features: OnnxFeature[] = widths.map((d, i) => {
      const patches = g.addInput({ name: `features.${i}.patches`, type: 'float32', dims: [b, d, h, w] });
      let cls: string | null = null;
      return { patches, cls: () => (cls ??= g.addInput({ name: `features.${i}.cls`, type: 'float32', dims: [b, d] })) };
    });
    const logits = emitHead(ctx, model, features);
    const oc = (model as { outChannels?: unknown }).outChannels; // the logits' channels when a number (the DAv2 head's is a per-layer list)
    g.addOutput(logits, { name: 'logits', type: 'float32', dims: ['batch', typeof oc === 'number' ? oc : 'channels', 'out_height', 'out_width'] });
  } else {
    const channels = imageChannels(model);
    const rank = kind === 'image' ? 4 : (options.inputShape?.length ?? 4);
    const fixed: Record<number, number> = kind === 'image' && channels ? { 1: channels } : {};
    const inputDims = dims(options.inputShape, rank, dynamic, ['batch', 'height', 'width'], fixed, name);
    const input = g.addInput({ name: kind === 'image' ? 'image' : 'input', type: 'float32', dims: inputDims });
    if (options.features) {
      const layers = options.features.layers ?? (model as { config?: { intermediateLayers?: number[] } }).config?.intermediateLayers;
      if (!layers) throw new Error(`exportOnnx: features of ${name} need features.layers`);
      const features = emitFeatures(ctx, model, input, { layers, norm: options.features.norm ?? true });
      features.forEach((f, i) => {
        g.addOutput(f.patches, { name: `features.${i}.patches`, type: 'float32' });
        if (f.cls) g.addOutput(f.cls(), { name: `features.${i}.cls`, type: 'float32' });
      });
      return finish(model, g, options, name);
    }
    const out = emitForward(ctx, model, input);
    const outName = isDepthModel(model) ? 'depth' : 'output';
    g.addOutput(out, { name: outName, type: 'float32', dims: isDepthModel(model) ? ['batch', 1, 'out_height', 'out_width'] : undefined });
  }

  return finish(model, g, options, name);
}

function finish(model: Module, g: GraphBuilder, options: ExportOnnxOptions, name: string): OnnxExport {
  const opset = g.opset;
  if (options.includeUnusedWeights) addUnusedWeights(model, g);
  const placement: InitializerPlacement = placeInitializers([...g.initializers.values()], options);
  const metadata: OnnxTypes.IStringStringEntryProto[] = Object.entries({
    'anydepth.module': name,
    ...((model as { config?: unknown }).config ? { 'anydepth.config': JSON.stringify((model as { config?: unknown }).config) } : {}),
    ...options.metadata,
  }).map(([key, value]) => ({ key, value }));
  const proto: OnnxTypes.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'anydepth-ts',
    producerVersion: '0.1.0',
    graph: g.toGraph(name, placement.tensors),
    metadataProps: metadata,
  };
  const bytes = onnx.ModelProto.encode(proto).finish();
  return {
    model: bytes,
    externalData: placement.external,
    inputs: g.inputs,
    outputs: g.outputs,
    initializers: [...g.initializers.keys()],
    weightBytes: placement.weightBytes,
  };
}
