/**
 * A 3-D point cloud of the prediction on a 2-D canvas: each (sub-sampled) pixel is lifted to
 * depth = 1 / disparity (normalised), coloured by the input image, rotated by the pointer and
 * drawn back to front. No WebGL needed, so it works wherever the page does.
 */
export interface ReliefData {
  disparity: Float32Array;
  rgb: Uint8ClampedArray; // RGBA, same size as disparity
  width: number;
  height: number;
}

export class ReliefView {
  private yaw = -0.5;
  private pitch = 0.25;
  private data: ReliefData | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {
    let drag: { x: number; y: number } | null = null;
    canvas.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY };
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!drag) return;
      this.yaw += (e.clientX - drag.x) * 0.01;
      this.pitch = Math.max(-1.4, Math.min(1.4, this.pitch + (e.clientY - drag.y) * 0.01));
      drag = { x: e.clientX, y: e.clientY };
      this.draw();
    });
    canvas.addEventListener('pointerup', () => (drag = null));
  }

  set(data: ReliefData): void {
    this.data = data;
    this.draw();
  }

  draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { width: cw, height: ch } = this.canvas;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, cw, ch);
    const d = this.data;
    if (!d) return;
    const step = Math.max(1, Math.round(Math.sqrt((d.width * d.height) / 40000)));
    // Robust disparity range → depth in [0, 1] (far = 1).
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < d.disparity.length; i += 7) {
      lo = Math.min(lo, d.disparity[i]);
      hi = Math.max(hi, d.disparity[i]);
    }
    const span = hi - lo || 1;
    const aspect = d.width / d.height;
    const [cy, sy, cp, sp] = [Math.cos(this.yaw), Math.sin(this.yaw), Math.cos(this.pitch), Math.sin(this.pitch)];
    const pts: { z: number; x: number; y: number; c: string }[] = [];
    for (let v = 0; v < d.height; v += step) {
      for (let u = 0; u < d.width; u += step) {
        const i = v * d.width + u;
        const near = (d.disparity[i] - lo) / span; // 1 = nearest
        const z = 0.6 * (1 - near) - 0.3;
        const x = (u / d.width - 0.5) * aspect;
        const y = v / d.height - 0.5;
        // rotate around Y (yaw) then X (pitch)
        const x1 = cy * x + sy * z;
        const z1 = -sy * x + cy * z;
        const y2 = cp * y - sp * z1;
        const z2 = sp * y + cp * z1;
        const r = d.rgb[i * 4];
        const g = d.rgb[i * 4 + 1];
        const b = d.rgb[i * 4 + 2];
        pts.push({ x: x1, y: y2, z: z2, c: `rgb(${r},${g},${b})` });
      }
    }
    pts.sort((a, b) => b.z - a.z);
    const scale = Math.min(cw / (aspect * 1.4), ch / 1.4);
    const size = Math.max(1.5, (step * scale) / d.width + 0.5);
    for (const p of pts) {
      const persp = 2 / (2 + p.z);
      ctx.fillStyle = p.c;
      ctx.fillRect(cw / 2 + p.x * scale * persp, ch / 2 + p.y * scale * persp, size * persp, size * persp);
    }
  }
}
