import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Progress, formatSeconds } from '../src/progress.js';

function sink(isTTY: boolean) {
  const s = {
    text: '',
    isTTY,
    write: (t: string) => {
      s.text += t;
      return true;
    },
  };
  return s;
}

describe('Progress (every anydepth command)', () => {
  let ci: string | undefined;
  beforeEach(() => {
    ci = process.env.CI;
    delete process.env.CI;
  });
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('terminal: a redrawn bar with count, percent, rate and ETA, a newline when finished', () => {
    const out = sink(true);
    const p = new Progress(4, 'quality score', out);
    for (let i = 0; i < 4; i++) p.tick();
    expect(out.text.startsWith('\rquality score [')).toBe(true);
    expect(out.text).toMatch(/\rquality score \[#{30}\] 100% 4\/4 [\d.]+\/s ETA 0:00\x1b\[K\n$/);
    expect(out.text.split('\n')).toHaveLength(2); // one line, redrawn in place
  });

  it('terminal: redraws at most every 100 ms while running', () => {
    const out = sink(true);
    const p = new Progress(1000, 'quality score', out);
    for (let i = 0; i < 999; i++) p.tick();
    expect(out.text.split('\r').length - 1).toBeLessThan(20);
  });

  it('not a terminal (or CI): plain lines, no carriage returns, the last one at 100 %', () => {
    const out = sink(false);
    const p = new Progress(2, 'eval nyuv2', out, 0);
    p.tick();
    p.tick(1, 'note');
    expect(out.text).not.toContain('\r');
    expect(out.text.trim().split('\n').at(-1)).toMatch(/^eval nyuv2: 100% 2\/2 [\d.]+\/s ETA 0:00 note$/);
    process.env.CI = '1';
    const log = sink(true);
    new Progress(1, 'train', log).tick();
    expect(log.text).toMatch(/^train: 100% 1\/1/);
  });

  it('durations', () => {
    expect(formatSeconds(65)).toBe('1:05');
    expect(formatSeconds(3725)).toBe('1:02:05');
    expect(formatSeconds(Infinity)).toBe('--:--');
  });
});
