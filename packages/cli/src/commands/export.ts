import { writeFileAtomic } from '@anydepth/core/node';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, Rng, useBackend } from '@anydepth/core';
import type { AnyDepth, DepthAnythingV2 } from '@anydepth/model';
import { type OnnxExport, exportOnnx } from '@anydepth/onnx';
import { CliError, UsageError } from '../errors.js';
import { Progress } from '../progress.js';
import { loadEstimator } from '../weights.js';
import { MODEL_COMMAND_OPTIONS } from '../options.js';

export const EXPORT_HELP = `Usage: anydepth export --onnx <out.onnx> --weights <file|id> --size <H>x<W> [options]

Exports an AnyDepth or Depth Anything V2 model (family told from the weights, as in predict) to ONNX: NCHW
float32 input 'image' [1, 3, H, W] (ImageNet-normalised, like the PyTorch export), output 'depth'
[1, 1, H', W'] (AnyDepth: H, W centre-padded to multiples of 16; Depth Anything V2: H, W, which must be
multiples of 14). Weights are initializers under their PyTorch state-dict names. Then runs the graph once
in onnxruntime-node, when it is installed, and compares it with this project's output.

Options:
  --onnx <file>        output file (required); weights beyond 2 GiB go to <file>.data beside it
  --weights <file|id>  checkpoint (repeatable): .safetensors, .pth, folder, ONNX, Hugging Face repo id,
                       https:// URL or hf://owner/name/file (required)
  --size <H>x<W>       input size in pixels, e.g. 384x512 (or one number for a square) (required)
  --dynamic            leave height and width dynamic (the graph pads, builds RoPE / DySample grids and
                       resizes the DINOv2 position grid at run time)
  --opset <n>          ONNX opset 16..18 (default 17)
  --external-data      always write the weights to <file>.data
  --backend <name>     tfjs backend of the check run: auto | tensorflow | wasm | webgpu | cpu (default auto)
  --no-check           skip the check run
  -h, --help           show this help

The check loads 'onnxruntime-node' (or the module named by $ANYDEPTH_ONNXRUNTIME); it is not a dependency of
the CLI: without it the check is skipped with a note.
`;

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'webgpu', 'cpu'];
/** Max |ONNX − tfjs| accepted by the check, relative to max(1, max |depth|): float32 reordering noise is ~1e-6. */
const CHECK_TOLERANCE = 1e-4;

function parseSize(text: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  const h = m ? Number(m[1]) : NaN;
  const w = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(h >= 16 && w >= 16)) throw new UsageError(`export: --size must be <H>x<W> with sides ≥ 16, got '${text}'`);
  return [h, w];
}

/** Writes the model and its external data with core's atomic writer, so a failure leaves no half-written file. */
function writeAtomically(path: string, exported: OnnxExport): string[] {
  const written: string[] = [];
  try {
    if (exported.externalData) {
      const dataPath = `${path}.data`;
      writeFileAtomic(dataPath, exported.externalData.chunks);
      written.push(dataPath);
    }
    writeFileAtomic(path, exported.model);
    written.push(path);
    return written;
  } catch (e) {
    throw new CliError(`cannot write '${path}': ${(e as Error).message}`);
  }
}

/** The part of onnxruntime-node's API the check uses (the package is optional, so its types are not imported). */
interface Ort {
  InferenceSession: { create(path: string, options?: object): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
  release(): Promise<void>;
}

/** onnxruntime-node if it can be loaded (it is an optional, separately installed package). */
async function loadOrt(): Promise<Ort | null> {
  const specifier = process.env.ANYDEPTH_ONNXRUNTIME ?? 'onnxruntime-node';
  try {
    return (await import(/* @vite-ignore */ specifier)) as Ort;
  } catch {
    return null;
  }
}

/** Runs the written graph once on a seeded random image and compares it with the tfjs model. */
async function checkRun(path: string, model: AnyDepth | DepthAnythingV2, h: number, w: number, log: (line: string) => void): Promise<void> {
  const ort = await loadOrt();
  if (!ort) {
    log(`check: skipped — onnxruntime-node is not installed (npm install onnxruntime-node --ignore-scripts to enable it)`);
    return;
  }
  const input = new Float32Array(new Rng(18).normalArray(3 * h * w, 0, 1));
  const session = await ort.InferenceSession.create(path, { executionProviders: ['cpu'], logSeverityLevel: 3 });
  try {
    const t0 = performance.now();
    const { depth } = await session.run({ image: new ort.Tensor('float32', input, [1, 3, h, w]) });
    const ortMs = performance.now() - t0;
    const t1 = performance.now();
    const ours = tf.tidy(() => tf.transpose(model.forward(tf.transpose(tf.tensor(input, [1, 3, h, w]), [0, 2, 3, 1])), [0, 3, 1, 2]));
    const expected = (await ours.data()) as Float32Array;
    const tfjsMs = performance.now() - t1;
    const shape = ours.shape;
    ours.dispose();
    if (depth.dims.join() !== shape.join()) throw new CliError(`check failed: onnxruntime output [${depth.dims}] but tfjs [${shape}]`);
    let maxAbs = 0;
    let maxRef = 1;
    for (let i = 0; i < expected.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(depth.data[i] - expected[i]));
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
    }
    const ok = maxAbs <= CHECK_TOLERANCE * maxRef && Number.isFinite(maxAbs);
    log(
      `check: onnxruntime-node vs tfjs (${tf.getBackend()}) on a ${h}×${w} random image: max |Δ| ${maxAbs.toExponential(2)} ` +
        `(tolerance ${(CHECK_TOLERANCE * maxRef).toExponential(1)}) ${ok ? 'ok' : 'FAILED'}; ${ortMs.toFixed(0)} ms vs ${tfjsMs.toFixed(0)} ms`,
    );
    if (!ok) throw new CliError(`check failed: the ONNX graph differs from the model by ${maxAbs.toExponential(2)}`);
  } finally {
    await session.release();
  }
}

export async function runExport(argv: string[], log: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    allowNegative: true,
    options: {
      ...MODEL_COMMAND_OPTIONS,
      onnx: { type: 'string' },
      size: { type: 'string' },
      dynamic: { type: 'boolean', default: false },
      opset: { type: 'string', default: '17' },
      'external-data': { type: 'boolean', default: false },
      check: { type: 'boolean', default: true },
    },
  });
  if (values.help) {
    log(EXPORT_HELP);
    return 0;
  }
  if (positionals.length) throw new UsageError(`export: unexpected argument '${positionals[0]}' (see anydepth export --help)`);
  if (!values.onnx) throw new UsageError('export: --onnx <out.onnx> is required');
  if (!values.weights?.length) throw new UsageError('export: --weights is required');
  if (!values.size) throw new UsageError('export: --size <H>x<W> is required');
  const [h, w] = parseSize(values.size);
  const opset = Number(values.opset);
  if (!Number.isInteger(opset) || opset < 16 || opset > 18) throw new UsageError(`export: --opset must be 16, 17 or 18, got '${values.opset}'`);
  if (!BACKENDS.includes(values.backend!)) throw new UsageError(`export: unknown backend '${values.backend}' (choose ${BACKENDS.join(', ')})`);

  const backend = await useBackend(values.backend as BackendName).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const estimator = await loadEstimator(values.weights, log);
  const model = estimator.model.eval();
  try {
    if (estimator.family === 'depth-anything-v2') {
      const p = (model as DepthAnythingV2).patchSize;
      if (h % p || w % p) {
        throw new UsageError(
          `export: Depth Anything V2 takes sides that are multiples of ${p}; --size ${h}x${w} is not (try ${Math.round(h / p) * p}x${Math.round(w / p) * p})`,
        );
      }
    }
    const total = Object.keys(model.stateDictShapes()).length;
    const progress = new Progress(total, 'export');
    let seen = 0;
    const exported = exportOnnx(model, {
      inputShape: [1, 3, h, w],
      dynamicAxes: values.dynamic ? { height: true, width: true } : undefined,
      opset,
      externalData: values['external-data'] ? true : 'auto',
      externalDataLocation: `${basename(values.onnx)}.data`,
      onProgress: (done) => {
        progress.tick(done - seen, 'tensors');
        seen = done;
      },
    });
    progress.tick(total - seen, `tensors (${exported.initializers.length} used by the graph)`);
    const written = writeAtomically(values.onnx, exported);
    const dims = exported.inputs[0].dims!.join('×');
    log(
      `wrote ${written.join(', ')}: ${estimator.family === 'anydepth' ? 'AnyDepth' : 'Depth Anything V2'}, opset ${opset}, input image [${dims}], ${(exported.weightBytes / 2 ** 20).toFixed(1)} MiB of weights${exported.externalData ? ' (external data)' : ''}`,
    );
    if (values.check) await checkRun(values.onnx, model, h, w, log);
    else log('check: skipped (--no-check)');
    log(`backend ${backend}`);
  } finally {
    estimator.dispose();
  }
  return 0;
}
