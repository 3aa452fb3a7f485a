import { describe, expect, it } from 'vitest';
import { parseRecords, formatRecord, scoreDistributionSvg, selectionReport, selectSamples, type ScoreRecord } from '../src/index.js';

function rec(id: string, validRatio: number, distScore: number, gradScore: number, dataset = 'a'): ScoreRecord {
  return {
    id,
    path: `${id}.png`,
    dataset,
    width: 4,
    height: 4,
    validRatio,
    chi2Score: 0,
    concScore: 0,
    rangeScore: 0,
    distScore,
    gradScore,
    totalScore: (distScore + gradScore) / 2,
  };
}

describe('selectSamples: the filtering rule of data-quality.md', () => {
  it('validity first, then the lowest floor(0.2·n) by each score among the rest, union dropped', () => {
    const rs = [
      rec('v1', 0.1, 0.9, 0.9), // dropped for validity (not counted in n)
      rec('s0', 0.5, 0.1, 0.8),
      rec('s1', 0.5, 0.5, 0.1),
      rec('s2', 0.5, 0.2, 0.2),
      rec('s3', 0.5, 0.6, 0.6),
      rec('s4', 0.5, 0.7, 0.7),
      rec('s5', 0.5, 0.8, 0.3),
      rec('s6', 0.5, 0.9, 0.9),
      rec('s7', 0.5, 0.95, 0.95),
      rec('s8', 0.5, 0.99, 0.99),
      rec('s9', 0.2, 0.97, 0.97), // exactly at the threshold: kept
      { id: 'bad', path: 'bad.png', dataset: 'a', error: 'png: truncated' },
    ];
    // n = 10 → floor(2) per score: by dist s0 (0.10), s2 (0.20); by grad s1 (0.10), s2 (0.20); union {s0, s1, s2}
    const sel = selectSamples(rs);
    expect(sel.kept.map((r) => r.id)).toEqual(['s3', 's4', 's5', 's6', 's7', 's8', 's9']);
    expect(sel.reasons).toEqual([
      'validity',
      'dist',
      'grad',
      'both',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'unreadable',
    ]);
    expect(sel.breakdown).toEqual([
      { dataset: 'a', total: 12, unreadable: 1, droppedValidity: 1, droppedDist: 2, droppedGrad: 2, droppedBoth: 1, kept: 7, dropped: 5 },
    ]);
  });

  it('ties keep input order (stable sort) and groups are per dataset', () => {
    const rs = [
      rec('x0', 1, 0.5, 0.9, 'x'),
      rec('y0', 1, 0.1, 0.9, 'y'),
      rec('x1', 1, 0.5, 0.9, 'x'),
      rec('x2', 1, 0.5, 0.9, 'x'),
      rec('x3', 1, 0.5, 0.9, 'x'),
      rec('x4', 1, 0.5, 0.9, 'x'),
    ];
    const sel = selectSamples(rs);
    // dataset x: n = 5 → 1 dropped per score; all distScores tie → the first (x0); gradScores tie → x0 again
    expect(sel.reasons[0]).toBe('both');
    expect(sel.kept.map((r) => r.id)).toEqual(['y0', 'x1', 'x2', 'x3', 'x4']); // y: n = 1 → floor(0.2) = 0 dropped
    expect(sel.breakdown.map((b) => [b.dataset, b.kept])).toEqual([
      ['x', 4],
      ['y', 1],
    ]);
  });

  it('thresholds are options', () => {
    const rs = [rec('a', 0.3, 0.1, 0.1), rec('b', 0.6, 0.2, 0.2), rec('c', 0.9, 0.3, 0.3)];
    expect(selectSamples(rs, { minValidRatio: 0.5, dropFraction: 0.5 }).kept.map((r) => r.id)).toEqual(['c']);
  });
});

describe('records, report and chart', () => {
  it('JSONL round trip; a torn last line is reported, not parsed', () => {
    const a = rec('a', 0.5, 0.123456789012, 0.5);
    const line = formatRecord(a);
    expect(JSON.parse(line).distScore).toBe(0.123456789012); // full precision (≥ 6 significant digits)
    const text = `${line}\n${formatRecord({ id: 'e', path: 'e.png', error: 'boom' })}\n{"id":"half`;
    const p = parseRecords(text);
    expect(p.records.map((r) => r.id)).toEqual(['a', 'e']);
    expect(p.tornBytes).toBe(11); // {"id":"half
    expect(p.validBytes).toBe(text.length - 11);
    expect(() => parseRecords(`garbage\n${line}\n`)).toThrow(/line 1/);
  });

  it('Table 1 markdown and a Figure 5 style SVG', () => {
    const rs = [
      ...Array.from({ length: 10 }, (_, i) => rec(`h${i}`, 0.9, i / 10, 1 - i / 10, 'hypersim')),
      ...Array.from({ length: 5 }, (_, i) => rec(`t${i}`, 0.9, 0.5, i / 5, 'tartanair')),
    ];
    const sel = selectSamples(rs);
    const md = selectionReport(rs, sel, {}, 'fig.svg');
    expect(md).toContain('| hypersim | 10 | 6 | 4 |');
    expect(md).toContain('| tartanair | 5 | 4 | 1 |');
    expect(md).toContain('| **all** | 15 | 10 | 5 |');
    expect(md).toContain('![Score distributions per dataset](fig.svg)');
    const svg = scoreDistributionSvg(rs, { thresholds: new Map([['hypersim', { distScore: 0.1 }]]) });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('hypersim (10)');
    expect(svg).toContain('stroke-dasharray');
  });
});
