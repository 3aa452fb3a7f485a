import { type LoadReport, StateDictError } from '@anydepth/core';

/**
 * State-dict tensors no inference pass reads, which inference exports (ONNX from this project, from
 * `torch.onnx` or optimum) leave out: the masked-image-modelling `mask_token`, BatchNorm
 * `num_batches_tracked` counters, and Depth Anything V2's `refinenet4.resConfUnit1` (the deepest
 * fusion block has no skip input). Official and transformers names.
 */
export function isInferenceUnused(name: string): boolean {
  return (
    /(^|\.)mask_token$/.test(name) ||
    name.endsWith('num_batches_tracked') ||
    /(^|\.)refinenet4\.resConfUnit1\./.test(name) ||
    /(^|\.)neck\.fusion_stage\.layers\.0\.residual_layer1\./.test(name)
  );
}

/**
 * After a non-strict load from an inference export: throws a `StateDictError` unless the only
 * tensors left out are ones inference never reads and nothing was left over.
 */
export function requireInferenceComplete(reports: LoadReport[], context: string, stray: string[] = []): void {
  const missing = reports.flatMap((r) => r.missing).filter((n) => !isInferenceUnused(n));
  const unexpected = [...stray, ...reports.flatMap((r) => r.unexpected)];
  if (missing.length || unexpected.length) throw new StateDictError({ loaded: [], missing, unexpected, mismatched: [] }, context);
}
