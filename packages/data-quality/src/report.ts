import { isErrorRecord, type ScoreRecord } from './records.js';
import type { Selection, SelectOptions } from './select.js';

const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)} %`);

function summary(values: number[]): string {
  if (values.length === 0) return '–';
  const s = values.slice().sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `${mean.toFixed(3)} / ${median.toFixed(3)}`;
}

/** Table 1-style markdown: per dataset Total, Good (kept), Bad (dropped) and the breakdown, plus score summaries. */
export function selectionReport(records: ScoreRecord[], selection: Selection, options: SelectOptions = {}, chartPath?: string): string {
  const minValid = options.minValidRatio ?? 0.2;
  const frac = options.dropFraction ?? 0.2;
  const lines: string[] = [];
  lines.push('# Data-quality filtering report', '');
  lines.push(
    `Rule (data-quality.md): drop validRatio < ${minValid}; then, per dataset, drop the lowest ${Math.round(frac * 100)} % by the ` +
      `Depth Distribution Score and the lowest ${Math.round(frac * 100)} % by the Gradient Continuity Score (union).`,
    '',
  );
  lines.push('| Dataset | Total | Good (kept) | Bad (dropped) | Kept | Unreadable | validRatio < ' + minValid + ' | Low S_dist | Low S_grad | Both |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const tot = { total: 0, kept: 0, dropped: 0, unreadable: 0, droppedValidity: 0, droppedDist: 0, droppedGrad: 0, droppedBoth: 0 };
  for (const b of selection.breakdown) {
    lines.push(
      `| ${b.dataset} | ${b.total} | ${b.kept} | ${b.dropped} | ${pct(b.kept, b.total)} | ${b.unreadable} | ${b.droppedValidity} | ${b.droppedDist} | ${b.droppedGrad} | ${b.droppedBoth} |`,
    );
    for (const k of Object.keys(tot) as (keyof typeof tot)[]) tot[k] += b[k];
  }
  if (selection.breakdown.length > 1) {
    lines.push(
      `| **all** | ${tot.total} | ${tot.kept} | ${tot.dropped} | ${pct(tot.kept, tot.total)} | ${tot.unreadable} | ${tot.droppedValidity} | ${tot.droppedDist} | ${tot.droppedGrad} | ${tot.droppedBoth} |`,
    );
  }
  lines.push('', 'Low S_dist / Low S_grad count every sample marked by that score (those marked by both are also in "Both").', '');
  lines.push('## Score summaries (mean / median over readable samples)', '');
  lines.push('| Dataset | validRatio | S_dist | S_grad | S_total |', '|---|---:|---:|---:|---:|');
  const byDataset = new Map<string, ScoreRecord[]>();
  const datasetOf = options.datasetOf ?? ((r: ScoreRecord) => r.dataset ?? 'all');
  records.forEach((r, i) => {
    const d = datasetOf(r, i);
    byDataset.set(d, [...(byDataset.get(d) ?? []), r]);
  });
  for (const [d, rs] of byDataset) {
    const ok = rs.filter((r) => !isErrorRecord(r)) as Extract<ScoreRecord, { validRatio: number }>[];
    lines.push(
      `| ${d} | ${summary(ok.map((r) => r.validRatio))} | ${summary(ok.map((r) => r.distScore))} | ${summary(ok.map((r) => r.gradScore))} | ${summary(ok.map((r) => r.totalScore))} |`,
    );
  }
  const errors = records.filter(isErrorRecord);
  if (errors.length > 0) {
    lines.push('', `## Unreadable samples (${errors.length})`, '');
    for (const e of errors.slice(0, 50)) lines.push(`- \`${e.id}\` (${e.path}): ${e.error}`);
    if (errors.length > 50) lines.push(`- … and ${errors.length - 50} more`);
  }
  if (chartPath) lines.push('', `![Score distributions per dataset](${chartPath})`);
  lines.push('');
  return lines.join('\n');
}
