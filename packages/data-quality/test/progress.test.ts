import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../src/progress.js';

describe('progress display', () => {
  it('terminal: a redrawn bar with count, percent, rate and ETA', () => {
    let out = '';
    const p = new Progress(4, { write: (s: string) => (out += s), isTTY: true });
    for (let i = 0; i < 4; i++) p.tick();
    p.finish();
    expect(out.startsWith('\r[')).toBe(true);
    expect(out).toMatch(/\[#{30}\] scored 4\/4 \(100\.0%\) [\d.]+ maps\/s ETA 0:00\n$/);
  });
  it('not a terminal: plain lines, no carriage returns', () => {
    let out = '';
    const p = new Progress(2, { write: (s: string) => (out += s), isTTY: false });
    p.tick();
    p.tick();
    p.finish();
    expect(out).not.toContain('\r');
    expect(out.trim().split('\n').at(-1)).toMatch(/^scored 2\/2 \(100\.0%\) [\d.]+ maps\/s ETA/);
  });
  it('durations', () => {
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('?');
  });
});
