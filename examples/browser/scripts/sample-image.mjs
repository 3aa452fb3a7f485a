// A procedural test scene (sky, a checkered ground plane in perspective, two shaded spheres) so the
// page, the build and the browser test share one image without any third-party photo.

/** RGB pixels of the sample scene, 8 bits per channel, row-major. */
export function sampleImage(width = 192, height = 128) {
  const data = new Uint8Array(width * height * 3);
  const horizon = Math.round(height * 0.42);
  const spheres = [
    { cx: 0.3 * width, cy: 0.62 * height, r: 0.2 * height, color: [200, 60, 50] },
    { cx: 0.72 * width, cy: 0.55 * height, r: 0.12 * height, color: [60, 120, 210] },
  ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb;
      if (y < horizon) {
        const t = y / horizon;
        rgb = [110 + 80 * t, 160 + 60 * t, 235];
      } else {
        const dz = (y - horizon + 1) / (height - horizon); // 0 at the horizon, 1 at the bottom
        const z = 1 / dz; // distance along the ground
        const u = ((x - width / 2) / width) * z * 4;
        const check = (Math.floor(u) + Math.floor(z * 2)) & 1;
        const fog = Math.min(1, z / 12);
        const base = check ? [170, 150, 110] : [90, 80, 60];
        rgb = base.map((c) => c * (1 - fog) + 200 * fog);
      }
      for (const s of spheres) {
        const dx = (x - s.cx) / s.r;
        const dy = (y - s.cy) / s.r;
        const d2 = dx * dx + dy * dy;
        if (d2 <= 1) {
          const nz = Math.sqrt(1 - d2);
          const shade = Math.max(0, -0.5 * dx - 0.6 * dy + 0.62 * nz);
          rgb = s.color.map((c) => c * (0.25 + 0.75 * shade) + 60 * shade ** 8);
        }
      }
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(rgb[c])));
    }
  }
  return { data, width, height, channels: 3 };
}
