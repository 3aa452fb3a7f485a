import { isErrorRecord, type ScoreRecord } from './records.js';

export interface ChartOptions {
  bins?: number;
  datasetOf?: (r: ScoreRecord, index: number) => string;
  /** Per dataset, the score thresholds below which samples were dropped (drawn as dashed lines). */
  thresholds?: Map<string, { distScore?: number; gradScore?: number }>;
}

const KEYS = [
  ['distScore', 'Depth Distribution Score'],
  ['gradScore', 'Gradient Continuity Score'],
  ['totalScore', 'Total score'],
] as const;
const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An SVG like the paper's Figure 5: one row per dataset, one column per score, each a histogram over [0, 1]
 * of the readable samples, with the drop thresholds as dashed lines.
 */
export function scoreDistributionSvg(records: ScoreRecord[], options: ChartOptions = {}): string {
  const bins = options.bins ?? 40;
  const datasetOf = options.datasetOf ?? ((r: ScoreRecord) => r.dataset ?? 'all');
  const groups = new Map<string, Extract<ScoreRecord, { totalScore: number }>[]>();
  records.forEach((r, i) => {
    if (isErrorRecord(r)) return;
    const d = datasetOf(r, i);
    let g = groups.get(d);
    if (!g) groups.set(d, (g = []));
    g.push(r);
  });
  const pw = 260;
  const ph = 120;
  const padL = 110;
  const padT = 40;
  const gap = 24;
  const W = padL + KEYS.length * (pw + gap);
  const H = padT + Math.max(1, groups.size) * (ph + gap) + 20;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  KEYS.forEach(([, title], c) => out.push(`<text x="${padL + c * (pw + gap) + pw / 2}" y="20" text-anchor="middle" font-size="13">${title}</text>`));
  let row = 0;
  for (const [dataset, rs] of groups) {
    const y0 = padT + row * (ph + gap);
    out.push(`<text x="${padL - 8}" y="${y0 + ph / 2}" text-anchor="end" font-size="12">${esc(dataset)} (${rs.length})</text>`);
    KEYS.forEach(([key], c) => {
      const x0 = padL + c * (pw + gap);
      const hist = new Array<number>(bins).fill(0);
      for (const r of rs) hist[Math.min(bins - 1, Math.max(0, Math.floor(r[key] * bins)))]++;
      const max = Math.max(1, ...hist);
      out.push(`<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="#f7f7f7" stroke="#999"/>`);
      hist.forEach((h, b) => {
        const bh = (h / max) * (ph - 4);
        out.push(
          `<rect x="${(x0 + (b * pw) / bins).toFixed(1)}" y="${(y0 + ph - bh).toFixed(1)}" width="${(pw / bins - 0.5).toFixed(1)}" height="${bh.toFixed(1)}" fill="${COLOURS[row % COLOURS.length]}"/>`,
        );
      });
      const t = options.thresholds?.get(dataset)?.[key as 'distScore' | 'gradScore'];
      if (t !== undefined) {
        const tx = x0 + t * pw;
        out.push(`<line x1="${tx.toFixed(1)}" y1="${y0}" x2="${tx.toFixed(1)}" y2="${y0 + ph}" stroke="black" stroke-dasharray="4 3"/>`);
      }
      for (const v of [0, 0.5, 1]) out.push(`<text x="${x0 + v * pw}" y="${y0 + ph + 12}" text-anchor="middle" fill="#555">${v}</text>`);
    });
    row++;
  }
  out.push('</svg>');
  return out.join('\n');
}
