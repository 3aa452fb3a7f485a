import { parseArgs } from 'node:util';
import type { BackendName } from '@anydepth/core';
import { listSamples, readSampleDepth } from '@anydepth/datasets/node';
import { DATASETS, DATASET_ALIASES, DepthMetricAccumulator, type DatasetName, canonicalDatasetName, formatSummary, formatTable2 } from '@anydepth/metrics';
import { predict } from '@anydepth/model';
import { loadImage } from '@anydepth/model/node';
import { writeFileAtomic } from '@anydepth/core/node';
import { CliError, UsageError } from '../errors.js';
import { startBackend } from '../backend.js';
import { Progress } from '../progress.js';
import { loadWeights } from '../weights.js';
import { MODEL_COMMAND_OPTIONS } from '../options.js';

export const EVAL_HELP = `Usage: anydepth eval --weights <file> --dataset <name> --root <dir> [options]

Zero-shot evaluation with least-squares alignment in disparity space (Marigold's protocol; spec evaluation.md).
Prints the paper's Table 2 columns (AbsRel and δ1, in percent) and the other metrics.

Options:
  --weights <file|id>   AnyDepth weights, any format (required; repeatable: decoder + DINOv3 backbone)
  --dataset <name>      ${Object.keys(DATASETS).join(' | ')}                      (required; ${Object.keys(DATASET_ALIASES).join(', ')} = alias)
  --root <dir>          dataset root in its standard layout                           (required)
  --split <file>        split / file list (default: the dataset's standard one under the root)
  --depth-root <dir>    KITTI: ground-truth root when separate from the raw data
  --size <px>           network input longer side (default 768)
  --alignment <kind>    disparity | depth | none (default disparity)
  --limit <n>           evaluate only the first n samples
  --json <file>         also write the summary as JSON
  --backend <name>      auto | tensorflow | wasm | webgpu | cpu (default auto)
`;

export async function runEval(argv: string[], log: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_COMMAND_OPTIONS,
      dataset: { type: 'string' },
      root: { type: 'string' },
      split: { type: 'string' },
      'depth-root': { type: 'string' },
      size: { type: 'string', default: '768' },
      alignment: { type: 'string', default: 'disparity' },
      limit: { type: 'string' },
      json: { type: 'string' },
    },
  });
  if (values.help) {
    log(EVAL_HELP);
    return 0;
  }
  for (const required of ['weights', 'dataset', 'root'] as const) if (!values[required]) throw new UsageError(`eval: --${required} is required`);
  let dataset: DatasetName;
  try {
    dataset = canonicalDatasetName(values.dataset!, (note) => process.stderr.write(`anydepth: note: ${note}\n`));
  } catch {
    throw new UsageError(`eval: unknown dataset '${values.dataset}' (choose ${Object.keys(DATASETS).join(', ')})`);
  }
  if (!['disparity', 'depth', 'none'].includes(values.alignment!)) throw new UsageError(`eval: --alignment must be disparity, depth or none`);
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 16) throw new UsageError(`eval: --size must be an integer ≥ 16`);

  let samples;
  try {
    samples = listSamples(dataset, values.root!, { split: values.split, depthRoot: values['depth-root'] });
  } catch (e) {
    throw new CliError(`cannot list ${dataset} samples under ${values.root}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (values.limit) samples = samples.slice(0, Number(values.limit));
  if (samples.length === 0) throw new CliError(`no ${dataset} samples found under ${values.root}`);

  await startBackend(values.backend as BackendName, log, { winograd: true });
  const model = await loadWeights(values.weights!, log);
  const acc = new DepthMetricAccumulator();
  const progress = new Progress(samples.length, `eval ${dataset}`);
  const failures: string[] = [];
  try {
    for (const sample of samples) {
      try {
        const rgb = await loadImage(sample.rgbPath);
        const gt = await readSampleDepth(sample); // DIODE's mask file, when present, is folded into gt.valid
        const pred = await predict(model, rgb, { size });
        acc.evaluate(
          pred.disparity,
          gt.data,
          {
            width: gt.width,
            height: gt.height,
            predWidth: pred.width,
            predHeight: pred.height,
            dataset,
            alignment: values.alignment as 'disparity',
            mask: gt.valid,
          },
          sample.id,
        );
      } catch (e) {
        failures.push(`${sample.id}: ${(e as Error).message.split('\n')[0]}`);
      }
      progress.tick();
    }
  } finally {
    model.dispose();
  }
  const summary = acc.summary();
  log(formatTable2([{ method: 'AnyDepth', results: { [dataset]: summary } }], [dataset]));
  log(formatSummary(summary));
  if (failures.length) log(`${failures.length} sample(s) could not be evaluated:\n  ${failures.slice(0, 10).join('\n  ')}`);
  if (values.json) writeFileAtomic(values.json, `${JSON.stringify({ dataset, alignment: values.alignment, size, summary, failures }, null, 2)}\n`);
  return failures.length === samples.length ? 1 : 0;
}
