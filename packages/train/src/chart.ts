import { encodePng } from '@anydepth/model';

type Rgb = [number, number, number];

export interface Series {
  points: Array<[number, number]>;
  color: Rgb;
  /** Plot log10(y) (default false). */
  log?: boolean;
  /** Draw markers instead of a line. */
  markers?: boolean;
}

/** One chart panel: a title, an x-axis label and the series that share its y axis. */
export interface Panel {
  title: string;
  xLabel: string;
  series: Series[];
}

// A 5×7 bitmap font for titles and tick labels, so the PNG is readable without a font library.
// Each glyph is 7 rows of 5 columns, '#' = ink. Only the characters the chart writes are drawn;
// anything else is drawn as a hollow box so a missing glyph is visible rather than silently blank.
const GLYPHS: Record<string, string[]> = {
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
  '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
  '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
  '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
  '.': ['     ', '     ', '     ', '     ', '     ', ' ##  ', ' ##  '],
  '-': ['     ', '     ', '     ', '#####', '     ', '     ', '     '],
  '+': ['     ', '  #  ', '  #  ', '#####', '  #  ', '  #  ', '     '],
  '(': ['   # ', '  #  ', ' #   ', ' #   ', ' #   ', '  #  ', '   # '],
  ')': [' #   ', '  #  ', '   # ', '   # ', '   # ', '  #  ', ' #   '],
  ' ': ['     ', '     ', '     ', '     ', '     ', '     ', '     '],
  A: [' ### ', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  B: ['#### ', '#   #', '#   #', '#### ', '#   #', '#   #', '#### '],
  C: [' ### ', '#   #', '#    ', '#    ', '#    ', '#   #', ' ### '],
  D: ['#### ', '#   #', '#   #', '#   #', '#   #', '#   #', '#### '],
  E: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#####'],
  F: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#    '],
  G: [' ### ', '#   #', '#    ', '# ###', '#   #', '#   #', ' ####'],
  H: ['#   #', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  I: [' ### ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  K: ['#   #', '#  # ', '# #  ', '##   ', '# #  ', '#  # ', '#   #'],
  L: ['#    ', '#    ', '#    ', '#    ', '#    ', '#    ', '#####'],
  M: ['#   #', '## ##', '# # #', '# # #', '#   #', '#   #', '#   #'],
  N: ['#   #', '#   #', '##  #', '# # #', '#  ##', '#   #', '#   #'],
  O: [' ### ', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  P: ['#### ', '#   #', '#   #', '#### ', '#    ', '#    ', '#    '],
  R: ['#### ', '#   #', '#   #', '#### ', '# #  ', '#  # ', '#   #'],
  S: [' ####', '#    ', '#    ', ' ### ', '    #', '    #', '#### '],
  T: ['#####', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  '],
  U: ['#   #', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  V: ['#   #', '#   #', '#   #', '#   #', '#   #', ' # # ', '  #  '],
  W: ['#   #', '#   #', '#   #', '# # #', '# # #', '# # #', ' # # '],
  X: ['#   #', '#   #', ' # # ', '  #  ', ' # # ', '#   #', '#   #'],
  Y: ['#   #', '#   #', ' # # ', '  #  ', '  #  ', '  #  ', '  #  '],
};
const GLYPH_W = 5;
const GLYPH_H = 7;
const ADVANCE = GLYPH_W + 1;

class Canvas {
  readonly px: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.px = new Uint8Array(width * height * 3).fill(255);
  }
  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    this.px[o] = c[0];
    this.px[o + 1] = c[1];
    this.px[o + 2] = c[2];
  }
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let k = 0; k <= n; k++) this.set(Math.round(x0 + ((x1 - x0) * k) / n), Math.round(y0 + ((y1 - y0) * k) / n), c);
  }
  /** Draws `text` (upper-cased) with its top-left corner at (x, y). */
  text(x: number, y: number, text: string, c: Rgb): void {
    for (const [i, ch] of [...text.toUpperCase()].entries()) {
      const glyph = GLYPHS[ch];
      for (let gy = 0; gy < GLYPH_H; gy++) {
        for (let gx = 0; gx < GLYPH_W; gx++) {
          const ink = glyph ? glyph[gy][gx] === '#' : gy === 0 || gy === GLYPH_H - 1 || gx === 0 || gx === GLYPH_W - 1;
          if (ink) this.set(x + i * ADVANCE + gx, y + gy, c);
        }
      }
    }
  }
}

const textWidth = (s: string) => s.length * ADVANCE - 1;

/** A tick label: at most three significant digits, exponent form for very small or large values. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) {
    const [mantissa, exponent] = v.toExponential(1).split('e');
    return `${mantissa.replace(/\.0$/, '')}E${Number(exponent)}`;
  }
  return String(Number(v.toPrecision(3)));
}

/**
 * Tick positions covering [min, max]: multiples of the 1, 2 or 5 × 10^k step closest to a quarter of the range
 * (three to six ticks) on a linear axis;
 * powers of ten on a log axis, with 2× and 5× added when the range spans less than two decades.
 */
export function axisTicks(min: number, max: number, log = false): number[] {
  if (!(max > min)) return [min];
  if (log) {
    const k0 = Math.floor(Math.log10(min));
    const k1 = Math.ceil(Math.log10(max));
    const mantissas = k1 - k0 < 3 ? [1, 2, 5] : [1];
    const ticks: number[] = [];
    for (let k = k0; k <= k1; k++) for (const m of mantissas) ticks.push(Number((m * 10 ** k).toPrecision(3)));
    return ticks.filter((t) => t >= min && t <= max);
  }
  const raw = (max - min) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const candidates = [1, 2, 5, 10].map((m) => m * magnitude);
  const step = candidates.reduce((best, s) => (Math.abs(Math.log(s / raw)) < Math.abs(Math.log(best / raw)) ? s : best));
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const AXIS: Rgb = [90, 90, 90];
const GRID: Rgb = [225, 225, 225];
const INK: Rgb = [30, 30, 30];

/** Draws one panel in `box` (outer bounds): title on top, y tick labels on the left, x ticks and label below. */
function drawPanel(canvas: Canvas, box: { x: number; y: number; w: number; h: number }, panel: Panel): void {
  const left = box.x + 42;
  const top = box.y + 16;
  const right = box.x + box.w - 6;
  const bottom = box.y + box.h - 28;
  canvas.text(box.x + Math.round((box.w - textWidth(panel.title)) / 2), box.y + 2, panel.title, INK);
  canvas.text(left + Math.round((right - left - textWidth(panel.xLabel)) / 2), box.y + box.h - 9, panel.xLabel, INK);

  const log = panel.series.some((s) => s.log);
  const finite = panel.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!log || y > 0));
  if (finite.length) {
    const xs = finite.map((p) => p[0]);
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs, x0 + 1);
    const ys = finite.map((p) => p[1]);
    let y0 = Math.min(...ys);
    let y1 = Math.max(...ys);
    if (log) {
      // Whole decades (at least one) so the powers-of-ten ticks have room.
      y0 = 10 ** Math.floor(Math.log10(y0) + 1e-9);
      y1 = 10 ** Math.ceil(Math.log10(y1) - 1e-9);
      if (y1 <= y0) y1 = y0 * 10;
    } else {
      if (y1 - y0 < 1e-12) (y0 -= Math.abs(y0) * 0.5 || 0.5), (y1 += Math.abs(y1) * 0.5 || 0.5);
      const pad = (y1 - y0) * 0.05;
      y0 -= pad;
      y1 += pad;
    }
    const v = (y: number) => (log ? Math.log10(y) : y);
    const tx = (x: number) => left + 3 + Math.round(((x - x0) / (x1 - x0)) * (right - left - 6));
    const ty = (y: number) => top + 3 + Math.round(((v(y1) - v(y)) / (v(y1) - v(y0))) * (bottom - top - 6));

    for (const t of axisTicks(y0, y1, log)) {
      const y = ty(t);
      for (let x = left + 1; x < right; x += 3) canvas.set(x, y, GRID);
      canvas.line(left - 3, y, left, y, AXIS);
      const label = formatTick(t);
      canvas.text(left - 5 - textWidth(label), y - 3, label, INK);
    }
    for (const t of axisTicks(x0, x1)) {
      const x = tx(t);
      canvas.line(x, bottom, x, bottom + 3, AXIS);
      const label = formatTick(t);
      canvas.text(x - Math.floor(textWidth(label) / 2), bottom + 6, label, INK);
    }
    for (const s of panel.series) {
      const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!s.log || y > 0));
      let prev: [number, number] | null = null;
      for (const [x, y] of pts) {
        const p: [number, number] = [tx(x), ty(y)];
        if (s.markers) {
          for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) canvas.set(p[0] + dx, p[1] + dy, s.color);
        } else if (prev) canvas.line(prev[0], prev[1], p[0], p[1], s.color);
        else canvas.set(p[0], p[1], s.color);
        prev = p;
      }
    }
  }
  canvas.line(left, top, left, bottom, AXIS);
  canvas.line(left, bottom, right, bottom, AXIS);
}

/**
 * The training curves as a PNG (960×300), three panels with axes, ticks and labels, each against the step:
 * the training loss (log scale, blue), the validation AbsRel (log scale, red markers) and the learning rate (green).
 */
export function trainingChartPng(log: Array<Record<string, unknown>>): Uint8Array {
  const width = 960;
  const height = 300;
  const canvas = new Canvas(width, height);
  const train = log.filter((r) => r.type === 'train');
  const val = log.filter((r) => r.type === 'val');
  const pts = (rows: Array<Record<string, unknown>>, key: string) => rows.map((r) => [Number(r.step), Number(r[key])] as [number, number]);
  const panels: Panel[] = [
    { title: 'training loss (log)', xLabel: 'step', series: [{ points: pts(train, 'loss'), color: [31, 119, 180], log: true }] },
    { title: 'validation AbsRel (log)', xLabel: 'step', series: [{ points: pts(val, 'absRel'), color: [214, 39, 40], log: true, markers: true }] },
    { title: 'learning rate', xLabel: 'step', series: [{ points: pts(train, 'lr'), color: [44, 160, 44] }] },
  ];
  const panelWidth = width / panels.length;
  panels.forEach((panel, i) => drawPanel(canvas, { x: Math.round(i * panelWidth), y: 4, w: Math.round(panelWidth), h: height - 8 }, panel));
  return encodePng(canvas.px, width, height, { colorType: 2, bitDepth: 8 });
}
