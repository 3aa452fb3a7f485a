import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '@anydepth/test-utils';
import { DPTHead, countFlops, createDepthAnythingV2Head } from '../src/index.js';

/** MACs of a stride-1 'same' conv = weight elements × output pixels (a hand check of the counter). */
const convMacs = (head: DPTHead, name: string, pixels: number): number => head.stateDictShapes()[name].reduce((a, b) => a * b, 1) * pixels;

describe('countFlops (DPT heads)', () => {
  beforeAll(() => setBackend('cpu'));

  it('DINOv3 DPT: convs, project and head parts equal weight-count × output pixels', () => {
    const head = new DPTHead({ inChannels: 24, channels: 16, postProcessChannels: [8, 8, 16, 16] });
    const r = countFlops(head, { height: 64, width: 96 }); // grid 4×6
    const [h, w] = [4, 6];
    const convs =
      convMacs(head, 'convs.0.conv.weight', 16 * h * w) +
      convMacs(head, 'convs.1.conv.weight', 4 * h * w) +
      convMacs(head, 'convs.2.conv.weight', h * w) +
      convMacs(head, 'convs.3.conv.weight', (h / 2) * (w / 2));
    expect(r.parts.convs).toBe(convs);
    expect(r.parts.project).toBe(convMacs(head, 'project.conv.weight', 64 * h * w));
    const head0 = convMacs(head, 'conv_depth.head.0.weight', 64 * h * w);
    const up = 4 * 8 * 256 * h * w; // ×2 bilinear to 16h×16w on 8 channels
    const head2 = convMacs(head, 'conv_depth.head.2.weight', 256 * h * w) + convMacs(head, 'conv_depth.head.4.weight', 256 * h * w);
    expect(r.parts.head).toBe(head0 + up + head2);
    expect(r.parts.projects).toBe(4 * 24 * 16 * h * w - 2 * 24 * 8 * h * w);
    expect(r.parts.readout).toBeUndefined();
    expect(r.macs).toBe(Object.values(r.parts).reduce((a, b) => a + b, 0));
    head.dispose();
  });

  it('scales with the image area and the batch', () => {
    const head = new DPTHead({ inChannels: 24, channels: 16, postProcessChannels: [8, 8, 16, 16], readout: 'project' });
    const a = countFlops(head, { height: 64, width: 64 });
    const b = countFlops(head, { height: 128, width: 128 });
    const c = countFlops(head, { height: 64, width: 64, batch: 3 });
    expect(b.macs).toBe(4 * a.macs);
    expect(c.macs).toBe(3 * a.macs);
    expect(a.parts.readout).toBe(4 * 16 * 2 * 24 * 24);
    expect(() => countFlops(head, { height: 65, width: 64 })).toThrow(/multiple of the patch size 16/);
    head.dispose();
  });

  it('Depth Anything V2 (14 px patches): head part at 14·(h, w)', () => {
    const head = createDepthAnythingV2Head('vits');
    const r = countFlops(head, { height: 518, width: 518 }); // grid 37×37
    const px = 518 * 518;
    expect(r.parts.head).toBe(64 * 32 * 9 * 8 * 37 * 8 * 37 + 4 * 32 * px + 32 * 32 * 9 * px + 32 * px);
    expect(r.macs).toBeGreaterThan(0);
    head.dispose();
  });
});
