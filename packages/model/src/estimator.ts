import type * as tf from '@tensorflow/tfjs-core';
import { type BackendName, type Checkpoint, type TensorSource, openCheckpoint, useBackend } from '@anydepth/core';
import { withoutInitialisation } from '@anydepth/core/internal';
import { type HubOptions, fetchOptionalBytes, hubFileUrl, isHttpUrl, isRepoId } from '@anydepth/hub';
import type { AnyDepth } from './anydepth.js';
import { loadAnyDepthCheckpoint } from './checkpoint.js';
import { detectCheckpointLayout } from './checkpoint-layout.js';
import { type ColormapName, colorize } from './colormap.js';
import { depthAnythingV2InputSize, inferDepthAnythingV2 } from './dav2-preprocess.js';
import { dav2ConfigFromCheckpoint, loadDepthAnythingV2Weights } from './dav2-weights.js';
import { type DepthAnythingV2, type DepthAnythingV2Config, DepthAnythingV2 as DepthAnythingV2Model } from './depth-anything-v2.js';
import { type ImageInput, imageToTensor } from './image.js';
import { predict } from './predict.js';
import { requireInferenceComplete } from './inference-unused.js';
import type { AnyDepthConfig } from './presets.js';
import { getPreset, listPresets } from './registry.js';

/** The model families an estimator can run, told apart by the checkpoint's tensor names. */
export type DepthModelFamily = 'anydepth' | 'depth-anything-v2';

/** A checkpoint already opened, or several (e.g. a decoder file and a DINOv3 backbone file). */
export interface OpenedWeights {
  sources: Array<TensorSource & { metadata?: Record<string, string> }>;
  /** The transformers-format `config.json` found beside each source (same order; undefined where none): it sets what shapes cannot tell. */
  configJsons?: (Record<string, unknown> | undefined)[];
  /** File names or URLs, for messages. */
  labels: string[];
}

export interface DepthEstimatorOptions {
  /** Backend to select before building (`useBackend`); by default the current one is kept. */
  backend?: BackendName;
  /**
   * Network input size: for AnyDepth the longer side (sides rounded to multiples of 16, default 768
   * as `predict`); for Depth Anything V2 the lower bound of both sides (multiples of 14, default 518
   * as the official `infer_image`).
   */
  size?: number;
  /** Force the family instead of detecting it. */
  family?: DepthModelFamily;
  /** An explicit configuration always wins over what the checkpoint implies. */
  config?: AnyDepthConfig | DepthAnythingV2Config;
  /**
   * A registered AnyDepth or Depth Anything V2 preset (`listPresets()`): sets the family and the
   * configuration, like `family` + `config` (which cannot be given with it).
   */
  preset?: string;
  /** Colormap of the ready-made image (default 'turbo'). */
  colormap?: ColormapName;
}

export interface DepthEstimate {
  /** Affine-invariant disparity (near = large), row-major, at the input image's size. */
  disparity: Float32Array;
  width: number;
  height: number;
  /** The size the network ran at. */
  networkWidth: number;
  networkHeight: number;
  /** The disparity as an RGBA image (the estimator's colormap), ready for a canvas or a PNG. */
  image: { data: Uint8ClampedArray; width: number; height: number; channels: 4 };
  /** Milliseconds for the whole call. */
  milliseconds: number;
}

export interface DepthEstimator {
  readonly family: DepthModelFamily;
  readonly config: AnyDepthConfig | DepthAnythingV2Config;
  readonly model: AnyDepth | DepthAnythingV2;
  /** What was read: the family, the files and the configuration, in one line. */
  readonly description: string;
  /** What was recognised, one line each (layout, wrappers, where each part and the config came from). */
  readonly lines: string[];
  /**
   * Set when the weights are a toy, not a depth model: the demo's procedural-room model or an
   * untrained stand-in (checkpoint metadata `anydepth.demo` / `anydepth.note`). Show it to users.
   */
  readonly notice: string | null;
  estimate(image: ImageInput, options?: { size?: number; colormap?: ColormapName }): Promise<DepthEstimate>;
  dispose(): void;
}

/** The family of a checkpoint (or of a decoder file plus a backbone file), from its tensor names. */
export function detectDepthModelFamily(sources: TensorSource | TensorSource[]): DepthModelFamily {
  return detectCheckpointLayout(sources).family === 'dav2' ? 'depth-anything-v2' : 'anydepth';
}

/**
 * One `TensorSource` over several checkpoints (decoder + backbone files). A name present in two
 * files is an error rather than a silent choice.
 */
export function unionSource(sources: OpenedWeights['sources'], labels: string[]): TensorSource & { metadata: Record<string, string> } {
  const owner = new Map<string, number>();
  sources.forEach((s, i) => {
    for (const key of s.keys()) {
      const before = owner.get(key);
      if (before !== undefined) throw new Error(`tensor '${key}' is in both ${labels[before]} and ${labels[i]}`);
      owner.set(key, i);
    }
  });
  return {
    metadata: Object.assign({}, ...sources.map((s) => s.metadata ?? {})),
    keys: () => owner.keys(),
    get: (name) => (owner.has(name) ? sources[owner.get(name)!].get(name) : undefined),
    shapeOf: (name) => (owner.has(name) ? (sources[owner.get(name)!].shapeOf?.(name) ?? sources[owner.get(name)!].get(name)?.shape) : undefined),
  };
}

/** A plain-words warning for the toy checkpoints this project writes itself, else null. */
export function toyModelNotice(metadata: Record<string, string>): string | null {
  const official = 'load official AnyDepth or Depth Anything V2 weights for real depth (see the @anydepth/model README)';
  if (metadata['anydepth.demo'] !== undefined) {
    return `This is the demo's toy model (${metadata['anydepth.demo']}: a random frozen encoder, minutes of training on procedural rooms). Its depth on real photos is not meaningful; ${official}.`;
  }
  if (metadata['anydepth.note'] !== undefined) {
    return `This is an untrained stand-in model (${metadata['anydepth.note']}), not a depth estimator; ${official}.`;
  }
  return null;
}

/** The head count a transformers `config.json` gives (top level or `backbone_config`). */
function headsFromConfigJson(configJson: Record<string, unknown> | null | undefined): number | undefined {
  const backbone = (configJson?.backbone_config ?? configJson) as Record<string, unknown> | undefined;
  const heads = backbone?.num_attention_heads;
  return typeof heads === 'number' && Number.isInteger(heads) && heads > 0 && heads <= 1024 ? heads : undefined;
}

/** The head count of the `anydepth.config` metadata this project writes (ONNX exports, saved models), if any. */
function headsFromMetadata(metadata: Record<string, string>): number | undefined {
  const text = metadata['anydepth.config'];
  if (text === undefined) return undefined;
  try {
    const heads = (JSON.parse(text) as { encoder?: { numHeads?: unknown } }).encoder?.numHeads;
    return typeof heads === 'number' && Number.isInteger(heads) && heads > 0 && heads <= 1024 ? heads : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the estimator for checkpoints already opened: detects the family, takes the config
 * (explicit > checkpoint metadata / `config.json` > tensor shapes), builds the model without
 * random initialisation and loads every tensor (strictly).
 */
export function buildDepthEstimator(weights: OpenedWeights, options: DepthEstimatorOptions = {}): DepthEstimator {
  if (options.preset !== undefined) {
    if (options.config || options.family) throw new Error(`buildDepthEstimator: give either preset '${options.preset}' or family/config, not both`);
    const preset = getPreset(options.preset);
    if (preset.family !== 'anydepth' && preset.family !== 'depth-anything-v2') {
      throw new Error(
        `buildDepthEstimator: '${options.preset}' is a ${preset.family} encoder preset; choose a depth model (${[...listPresets('anydepth'), ...listPresets('depth-anything-v2')].join(', ')})`,
      );
    }
    options = { ...options, family: preset.family, config: preset.config(), preset: undefined };
  }
  const source = unionSource(weights.sources, weights.labels);
  const family = options.family ?? detectDepthModelFamily(weights.sources);
  const colormap = options.colormap ?? 'turbo';
  const files = weights.labels.join(' + ');
  const notice = toyModelNotice(source.metadata);
  // ONNX files hold what the graph reads: the tensors inference never reads may be absent (checked below).
  const fromOnnx = weights.sources.some((s) => (s as { format?: string }).format === 'onnx');
  const onnxNote = fromOnnx ? ['ONNX initializers: tensors inference never reads (mask token, unused fusion unit, BN counters) may be absent'] : [];
  if (family === 'depth-anything-v2') {
    const numHeads = headsFromConfigJson(weights.configJsons?.find(Boolean)) ?? headsFromMetadata(source.metadata);
    const config = (options.config as DepthAnythingV2Config | undefined) ?? dav2ConfigFromCheckpoint(source, { numHeads });
    const model = withoutInitialisation(() => new DepthAnythingV2Model(config));
    try {
      const report = loadDepthAnythingV2Weights(model, source, { strict: !fromOnnx });
      if (fromOnnx) requireInferenceComplete([report.encoder, report.head], `Depth Anything V2 from ONNX ${files}`, report.unexpected);
      const loaded = report.encoder.loaded.length + report.head.loaded.length;
      const description = `Depth Anything V2 (${report.layout} layout, DINOv2 D ${config.encoder.embedDim}, ${config.encoder.depth} blocks) from ${files}: ${loaded} tensors`;
      const e = config.encoder;
      const lines = [
        `layout: Depth Anything V2, ${report.layout === 'official' ? 'official names (pretrained.* + depth_head.*)' : 'transformers names (backbone.* + neck.* + head.*)'}${report.prefix ? ` under '${report.prefix}'` : ''}`,
        `config (${options.config ? 'explicit' : 'inferred'}): DINOv2 D ${e.embedDim}, ${e.depth} blocks, ${e.numHeads} heads; DPT features ${config.features}, out channels [${config.outChannels}]; layers [${config.layers}]`,
        ...onnxNote,
      ];
      return estimatorFor(family, config, model, description, lines, notice, colormap, async (rgb, size) => {
        const [height, width] = rgb.shape;
        const disparity2d = inferDepthAnythingV2(model, rgb, size ? { inputSize: size } : {});
        const disparity = (await disparity2d.data()) as Float32Array;
        disparity2d.dispose();
        const net = depthAnythingV2InputSize(width, height, { inputSize: size, multiple: model.patchSize });
        return { disparity, width, height, networkWidth: net.width, networkHeight: net.height };
      });
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  const { model, report } = withoutInitialisation(() =>
    loadAnyDepthCheckpoint(weights.sources, {
      config: options.config as AnyDepthConfig | undefined,
      // Only a DINOv3 config.json says something about an AnyDepth encoder.
      hfConfigs: weights.configJsons?.map((json) => (json?.model_type === 'dinov3_vit' ? json : undefined)),
      strict: !fromOnnx,
    }),
  );
  if (fromOnnx) {
    try {
      requireInferenceComplete([report.encoder, report.decoder], `AnyDepth from ONNX ${files}`, report.layout.unclaimed.flat());
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  const description = `AnyDepth from ${files}: ${report.lines.join('; ')}`;
  return estimatorFor(family, report.config, model, description, [...report.lines, ...onnxNote], notice, colormap, async (rgb, size) => {
    const p = await predict(model, rgb, size ? { size } : {});
    return { disparity: p.disparity, width: p.width, height: p.height, networkWidth: p.networkWidth, networkHeight: p.networkHeight };
  });
}

type Run = (rgb: tf.Tensor3D, size: number | undefined) => Promise<Omit<DepthEstimate, 'image' | 'milliseconds'>>;

function estimatorFor(
  family: DepthModelFamily,
  config: AnyDepthConfig | DepthAnythingV2Config,
  model: AnyDepth | DepthAnythingV2,
  description: string,
  lines: string[],
  notice: string | null,
  colormap: ColormapName,
  run: Run,
): DepthEstimator {
  let disposed = false;
  return {
    family,
    config,
    model,
    description,
    lines,
    notice,
    async estimate(image, options = {}) {
      if (disposed) throw new Error('estimate: this estimator was disposed');
      const t0 = typeof performance !== 'undefined' ? performance.now() : Date.now();
      const rgb = imageToTensor(image); // [H, W, 3], 0..255
      try {
        const result = await run(rgb, options.size);
        const data = colorize(result.disparity, { colormap: options.colormap ?? colormap, rgba: true });
        const milliseconds = (typeof performance !== 'undefined' ? performance.now() : Date.now()) - t0;
        return { ...result, image: { data, width: result.width, height: result.height, channels: 4 }, milliseconds };
      } finally {
        rgb.dispose();
      }
    },
    dispose() {
      if (!disposed) model.dispose();
      disposed = true;
    },
  };
}

/** What `createDepthEstimator` takes in any environment: a hub id, a URL, bytes, or several of these. */
export type WeightsInput = string | URL | Uint8Array | ArrayBuffer;

export interface CreateDepthEstimatorOptions extends DepthEstimatorOptions, HubOptions {
  fetch?: typeof fetch;
}

/** Files tried, in order, in a hub repo given without a file name. */
export const HUB_WEIGHT_FILES = ['model.safetensors'];

async function openRemote(
  input: WeightsInput,
  options: CreateDepthEstimatorOptions,
): Promise<{ source: Checkpoint; label: string; configJson: Record<string, unknown> | null }> {
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return { source: await openCheckpoint(input), label: 'bytes', configJson: null };
  const text = String(input);
  let weightsUrl: string;
  let configUrl: string;
  if (isHttpUrl(text)) {
    weightsUrl = text;
    configUrl = new URL('config.json', text).toString();
  } else if (isRepoId(text)) {
    weightsUrl = hubFileUrl(text, HUB_WEIGHT_FILES[0], options);
    configUrl = hubFileUrl(text, 'config.json', options);
  } else {
    throw new Error(`createDepthEstimator: '${text}' is neither a URL nor a Hugging Face repo id (owner/name); files on disk need '@anydepth/model/node'`);
  }
  const configBytes = await fetchOptionalBytes(configUrl, options);
  const configJson = configBytes ? (JSON.parse(new TextDecoder().decode(configBytes)) as Record<string, unknown>) : null;
  const source = await openCheckpoint(weightsUrl, { fetch: options.fetch, label: weightsUrl });
  return { source, label: weightsUrl, configJson };
}

/**
 * One call from weights to depth, in any environment with `fetch` (browsers, workers, Node):
 * `source` is a Hugging Face repo id, a URL of a checkpoint (safetensors or PyTorch `.pth`), the
 * bytes of one, or an array of these (e.g. a decoder file and a DINOv3 backbone file). The family
 * (AnyDepth or Depth Anything V2) and its configuration come from the checkpoint.
 *
 * ```ts
 * const estimator = await createDepthEstimator('https://example.org/anydepth_vits.pth', { backend: 'webgpu' });
 * const { disparity, image } = await estimator.estimate(imageElement);
 * estimator.dispose();
 * ```
 */
export async function createDepthEstimator(source: WeightsInput | WeightsInput[], options: CreateDepthEstimatorOptions = {}): Promise<DepthEstimator> {
  if (options.backend) await useBackend(options.backend);
  const inputs = Array.isArray(source) ? source : [source];
  if (inputs.length === 0) throw new Error('createDepthEstimator: no weights given');
  const opened: Array<Awaited<ReturnType<typeof openRemote>>> = [];
  try {
    for (const input of inputs) opened.push(await openRemote(input, options));
    return buildDepthEstimator(
      { sources: opened.map((o) => o.source), labels: opened.map((o) => o.label), configJsons: opened.map((o) => o.configJson ?? undefined) },
      options,
    );
  } finally {
    for (const o of opened) o.source.close();
  }
}
