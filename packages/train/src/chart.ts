import { encodePng } from '@anydepth/model';

export interface Series {
  points: Array<[number, number]>;
  color: [number, number, number];
  /** Plot log10(y) (default false). */
  log?: boolean;
  /** Draw markers instead of a line. */
  markers?: boolean;
}

/** A tiny raster plotter: panels of line/marker series with their own y ranges. */
function plotPanel(px: Uint8Array, W: number, box: { x: number; y: number; w: number; h: number }, series: Series[]): void {
  const set = (x: number, y: number, c: [number, number, number]) => {
    if (x < box.x || x >= box.x + box.w || y < box.y || y >= box.y + box.h) return;
    const o = (y * W + x) * 3;
    px[o] = c[0];
    px[o + 1] = c[1];
    px[o + 2] = c[2];
  };
  // frame and grid
  for (let x = box.x; x < box.x + box.w; x++) {
    set(x, box.y, [160, 160, 160]);
    set(x, box.y + box.h - 1, [160, 160, 160]);
    for (let g = 1; g < 4; g++) if (x % 4 === 0) set(x, box.y + Math.round((g * box.h) / 4), [220, 220, 220]);
  }
  for (let y = box.y; y < box.y + box.h; y++) {
    set(box.x, y, [160, 160, 160]);
    set(box.x + box.w - 1, y, [160, 160, 160]);
  }
  for (const s of series) {
    const pts = s.points.map(([x, y]) => [x, s.log ? Math.log10(Math.max(y, 1e-12)) : y] as [number, number]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!pts.length) continue;
    const xs = s.points.map((p) => p[0]);
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs, x0 + 1);
    let y0 = Math.min(...pts.map((p) => p[1]));
    let y1 = Math.max(...pts.map((p) => p[1]));
    if (y1 - y0 < 1e-12) (y0 -= 0.5), (y1 += 0.5);
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
    const tx = (x: number) => box.x + 2 + Math.round(((x - x0) / (x1 - x0)) * (box.w - 5));
    const ty = (y: number) => box.y + 2 + Math.round(((y1 - y) / (y1 - y0)) * (box.h - 5));
    let prev: [number, number] | null = null;
    for (const [x, y] of pts) {
      const p: [number, number] = [tx(x), ty(y)];
      if (s.markers) {
        for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) set(p[0] + dx, p[1] + dy, s.color);
      } else if (prev) {
        const n = Math.max(Math.abs(p[0] - prev[0]), Math.abs(p[1] - prev[1]), 1);
        for (let k = 0; k <= n; k++) set(Math.round(prev[0] + ((p[0] - prev[0]) * k) / n), Math.round(prev[1] + ((p[1] - prev[1]) * k) / n), s.color);
      } else set(p[0], p[1], s.color);
      prev = p;
    }
  }
}

/**
 * The training curves as a PNG (800×300): left, training loss (log scale, blue) and validation AbsRel
 * (log scale, red markers); right, the learning rate (green). Each series has its own y range.
 */
export function trainingChartPng(log: Array<Record<string, unknown>>): Uint8Array {
  const W = 800;
  const H = 300;
  const px = new Uint8Array(W * H * 3).fill(255);
  const train = log.filter((r) => r.type === 'train');
  const val = log.filter((r) => r.type === 'val');
  const pts = (rows: Array<Record<string, unknown>>, key: string) => rows.map((r) => [Number(r.step), Number(r[key])] as [number, number]);
  plotPanel(px, W, { x: 10, y: 10, w: 520, h: 280 }, [
    { points: pts(train, 'loss'), color: [31, 119, 180], log: true },
    { points: pts(val, 'absRel'), color: [214, 39, 40], log: true, markers: true },
  ]);
  plotPanel(px, W, { x: 545, y: 10, w: 245, h: 280 }, [{ points: pts(train, 'lr'), color: [44, 160, 44] }]);
  return encodePng(px, W, H, { colorType: 2, bitDepth: 8 });
}
