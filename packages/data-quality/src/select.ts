import { isErrorRecord, type ScoreRecord } from './records.js';

export interface SelectOptions {
  /** Drop samples with validRatio below this (default 0.2). */
  minValidRatio?: number;
  /** Fraction of the remaining samples dropped by each score, per dataset (default 0.2). */
  dropFraction?: number;
  /** Dataset of a record (default: record.dataset, else 'all'). */
  datasetOf?: (r: ScoreRecord, index: number) => string;
}

/** Table 1 breakdown for one dataset. */
export interface SelectionBreakdown {
  dataset: string;
  total: number;
  /** Records that could not be read (error records): dropped. */
  unreadable: number;
  droppedValidity: number;
  /** Marked by the lowest distScore fraction (including those also marked by gradScore). */
  droppedDist: number;
  droppedGrad: number;
  droppedBoth: number;
  kept: number;
  /** Total − kept (the paper's "Bad"). */
  dropped: number;
}

export type DropReason = 'unreadable' | 'validity' | 'dist' | 'grad' | 'both';

export interface Selection {
  kept: ScoreRecord[];
  /** Per input record: undefined when kept, else why it was dropped. */
  reasons: (DropReason | undefined)[];
  breakdown: SelectionBreakdown[];
}

/**
 * The filtering rule of data-quality.md, per dataset: drop validRatio < minValidRatio; among the rest (input order),
 * mark the floor(dropFraction·n) lowest by distScore (stable sort) and likewise by gradScore; drop the union.
 */
export function selectSamples(records: ScoreRecord[], options: SelectOptions = {}): Selection {
  const minValid = options.minValidRatio ?? 0.2;
  const frac = options.dropFraction ?? 0.2;
  const datasetOf = options.datasetOf ?? ((r: ScoreRecord) => r.dataset ?? 'all');
  const groups = new Map<string, number[]>();
  records.forEach((r, i) => {
    const d = datasetOf(r, i);
    let g = groups.get(d);
    if (!g) groups.set(d, (g = []));
    g.push(i);
  });
  const reasons: (DropReason | undefined)[] = new Array(records.length).fill(undefined);
  const breakdown: SelectionBreakdown[] = [];
  for (const [dataset, idx] of groups) {
    const b: SelectionBreakdown = {
      dataset,
      total: idx.length,
      unreadable: 0,
      droppedValidity: 0,
      droppedDist: 0,
      droppedGrad: 0,
      droppedBoth: 0,
      kept: 0,
      dropped: 0,
    };
    const rest: number[] = [];
    for (const i of idx) {
      const r = records[i];
      if (isErrorRecord(r)) {
        reasons[i] = 'unreadable';
        b.unreadable++;
      } else if (!(r.validRatio >= minValid)) {
        reasons[i] = 'validity';
        b.droppedValidity++;
      } else rest.push(i);
    }
    const nDrop = Math.floor(frac * rest.length);
    const score = (i: number, key: 'distScore' | 'gradScore') => (records[i] as { distScore: number; gradScore: number })[key];
    // Array.prototype.sort is stable: ties keep input order.
    const byDist = rest
      .slice()
      .sort((a, c) => score(a, 'distScore') - score(c, 'distScore'))
      .slice(0, nDrop);
    const byGrad = rest
      .slice()
      .sort((a, c) => score(a, 'gradScore') - score(c, 'gradScore'))
      .slice(0, nDrop);
    const dist = new Set(byDist);
    const grad = new Set(byGrad);
    for (const i of rest) {
      const d = dist.has(i);
      const g = grad.has(i);
      if (d) b.droppedDist++;
      if (g) b.droppedGrad++;
      if (d && g) {
        b.droppedBoth++;
        reasons[i] = 'both';
      } else if (d) reasons[i] = 'dist';
      else if (g) reasons[i] = 'grad';
      else b.kept++;
    }
    b.dropped = b.total - b.kept;
    breakdown.push(b);
  }
  const kept = records.filter((_, i) => reasons[i] === undefined);
  return { kept, reasons, breakdown };
}
