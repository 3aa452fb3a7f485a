/** Where a progress bar writes: process.stderr, or anything with `write` (tests). */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

/**
 * The one progress reporter of every `anydepth` command (predict, eval, train, export, quality): an updating bar
 * with rate and ETA on a terminal, plain log lines otherwise (CI logs, pipes), at most one every `intervalMs`.
 */
export class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastLine = 0;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: ProgressStream = process.stderr,
    private readonly intervalMs = 2000,
  ) {
    this.tty = !!stream.isTTY && !process.env.CI;
  }

  tick(n = 1, note = ''): void {
    this.done += n;
    const now = Date.now();
    const finished = this.done >= this.total;
    // A terminal redraws at most every 100 ms (the quality scorer ticks thousands of times a second), a log every intervalMs.
    if (!finished && now - this.lastLine < (this.tty ? 100 : this.intervalMs)) return;
    this.lastLine = now;
    const elapsed = (now - this.start) / 1000;
    const rate = this.done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const pct = this.total ? (100 * this.done) / this.total : 100;
    const stats = `${this.done}/${this.total} ${rate.toFixed(2)}/s ETA ${formatSeconds(eta)}${note ? ` ${note}` : ''}`;
    if (this.tty) {
      const width = 30;
      const filled = Math.round((width * pct) / 100);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct.toFixed(0).padStart(3)}% ${stats}\x1b[K${finished ? '\n' : ''}`,
      );
    } else {
      this.stream.write(`${this.label}: ${pct.toFixed(0)}% ${stats}\n`);
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const sec = Math.floor(s % 60);
  return h ? `${h}:${String(m % 60).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
