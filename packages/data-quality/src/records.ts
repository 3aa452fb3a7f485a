import type { QualityScores } from './score.js';

/** One line of a scores JSONL file: a scored sample, or an unreadable one with its error. */
export type ScoreRecord = ({ id: string; path: string; dataset?: string } & QualityScores) | ErrorRecord;
export interface ErrorRecord {
  id: string;
  path: string;
  dataset?: string;
  error: string;
}

export function isErrorRecord(r: ScoreRecord): r is ErrorRecord {
  return typeof (r as ErrorRecord).error === 'string';
}

const SCORE_KEYS = ['validRatio', 'chi2Score', 'concScore', 'rangeScore', 'distScore', 'gradScore', 'totalScore'] as const;

/** Serialises a record as one JSON line (scores with full float64 precision, ≥ 6 significant digits). */
export function formatRecord(r: ScoreRecord): string {
  if (isErrorRecord(r)) {
    return JSON.stringify(
      r.dataset === undefined ? { id: r.id, path: r.path, error: r.error } : { id: r.id, path: r.path, dataset: r.dataset, error: r.error },
    );
  }
  const o: Record<string, unknown> = { id: r.id, path: r.path };
  if (r.dataset !== undefined) o.dataset = r.dataset;
  o.width = r.width;
  o.height = r.height;
  for (const k of SCORE_KEYS) o[k] = r[k];
  return JSON.stringify(o);
}

/**
 * Parses JSONL text. A torn last line (no trailing newline, or not valid JSON) is reported as `tornBytes` so a
 * resuming writer can truncate it; a bad line elsewhere is an error.
 */
export function parseRecords(text: string, source = 'scores'): { records: ScoreRecord[]; validBytes: number; tornBytes: number } {
  const records: ScoreRecord[] = [];
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const complete = nl >= 0;
    const line = text.slice(pos, complete ? nl : text.length);
    lineNo++;
    let rec: ScoreRecord | undefined;
    if (line.trim().length > 0) {
      try {
        rec = JSON.parse(line) as ScoreRecord;
      } catch {
        rec = undefined;
      }
      if (!rec || typeof rec.id !== 'string') {
        if (!complete || text.slice(nl + 1).trim() === '') {
          // The last line is torn (killed mid-write): everything from `pos` is discarded.
          return { records, validBytes: byteLength(text.slice(0, pos)), tornBytes: byteLength(text.slice(pos)) };
        }
        throw new Error(`${source}: line ${lineNo} is not a score record: ${line.slice(0, 80)}`);
      }
      if (!complete) return { records, validBytes: byteLength(text.slice(0, pos)), tornBytes: byteLength(text.slice(pos)) };
      records.push(rec);
    }
    pos = complete ? nl + 1 : text.length;
  }
  return { records, validBytes: byteLength(text), tornBytes: 0 };
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}
