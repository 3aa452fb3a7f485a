import type { DepthMetricSummary } from './accumulator.js';
import { DATASET_ALIASES, DATASET_LABELS, type DatasetName } from './datasets.js';
import type { DepthMetrics } from './metrics.js';

/** One row of a Table-2 style comparison: a method and its per-dataset AbsRel / δ1 (fractions). */
export interface Table2Row {
  method: string;
  results: Partial<Record<string, Pick<DepthMetrics, 'absRel' | 'delta1'> | DepthMetricSummary>>;
}

function pick(entry: Pick<DepthMetrics, 'absRel' | 'delta1'> | DepthMetricSummary | undefined): Pick<DepthMetrics, 'absRel' | 'delta1'> | undefined {
  if (!entry) return undefined;
  return 'metrics' in entry ? entry.metrics : entry;
}

/** A fraction as a percentage with `digits` decimals ('-' when missing or not finite). */
export function percent(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '-' : (100 * value).toFixed(digits);
}

/**
 * A Markdown table like the paper's Table 2: per dataset "AbsRel ↓" and "δ1 ↑", both in percent with
 * one decimal (AbsRel 0.043 → 4.3, δ1 0.980 → 98.0). Keep full precision in JSON, not here.
 */
export function formatTable2(rows: Table2Row[], datasets: readonly string[] = ['nyuv2', 'kitti', 'eth3d', 'scannet', 'diode'], digits = 1): string {
  const label = (d: string) => DATASET_LABELS[((DATASET_ALIASES as Record<string, string>)[d] ?? d) as DatasetName] ?? d;
  const header = ['Method', ...datasets.flatMap((d) => [`${label(d)} AbsRel ↓`, `${label(d)} δ1 ↑`])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) {
    const cells = [row.method];
    for (const d of datasets) {
      const m = pick(row.results[d]);
      cells.push(percent(m?.absRel, digits), percent(m?.delta1, digits));
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One line for a dataset summary: "AbsRel 4.3  δ1 98.0  (654 images, 0 skipped)". */
export function formatSummary(summary: DepthMetricSummary, digits = 1): string {
  const extra = summary.nonFinitePred || summary.nonFiniteGt ? `, non-finite pred ${summary.nonFinitePred}, gt ${summary.nonFiniteGt}` : '';
  return `AbsRel ${percent(summary.metrics.absRel, digits)}  δ1 ${percent(summary.metrics.delta1, digits)}  (${summary.count} images, ${summary.skipped} skipped${extra})`;
}
