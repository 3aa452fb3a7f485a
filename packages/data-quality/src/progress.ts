/** A progress display: a redrawn bar with rate and ETA on a terminal, plain periodic log lines otherwise. */
export class Progress {
  private readonly start = Date.now();
  private lastLog = 0;
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean } = process.stderr,
    private readonly label = 'scored',
  ) {}

  tick(n = 1): void {
    this.done += n;
    const now = Date.now();
    if (this.stream.isTTY) {
      if (now - this.lastLog >= 100 || this.done === this.total) {
        this.lastLog = now;
        this.stream.write(`\r${this.line(true)}`);
      }
    } else if (now - this.lastLog >= 5000 || this.done === this.total) {
      this.lastLog = now;
      this.stream.write(`${this.line(false)}\n`);
    }
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write(`\r${this.line(true)}\n`);
  }

  line(bar: boolean): string {
    const secs = (Date.now() - this.start) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const left = this.total - this.done;
    const eta = left <= 0 ? '0:00' : rate > 0 ? formatDuration(left / rate) : '?';
    const frac = this.total > 0 ? this.done / this.total : 1;
    const head = bar ? `[${'#'.repeat(Math.round(frac * 30)).padEnd(30, '.')}] ` : '';
    return `${head}${this.label} ${this.done}/${this.total} (${(frac * 100).toFixed(1)}%) ${rate.toFixed(1)} maps/s ETA ${eta}`;
  }
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
