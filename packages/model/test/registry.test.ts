import { DAV2_DPT_CONFIGS } from '@anydepth/dpt';
import { dinov2ParameterCount } from '@anydepth/dinov2';
import { dinov3ParameterCount } from '@anydepth/dinov3';
import { setBackend } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ANYDEPTH_INPUT,
  DAV2_INPUT,
  DepthAnythingV2,
  IMAGENET_NORMALIZATION,
  anyDepthPreset,
  anyDepthTinyConfig,
  createAnyDepth,
  depthAnythingV2Preset,
  familyInput,
  getPreset,
  listPresets,
  registerPreset,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('preset registry', () => {
  it('lists every model and encoder the project builds, one shape each', () => {
    expect(listPresets('anydepth')).toEqual(['anydepth-tiny', 'anydepth-vits16', 'anydepth-vitb16', 'anydepth-vitl16']);
    expect(listPresets('depth-anything-v2')).toEqual(['dav2-tiny', 'dav2-vits', 'dav2-vitb', 'dav2-vitl']);
    expect(listPresets('dinov3')).toEqual(['dinov3-tiny', 'dinov3-vits16', 'dinov3-vitb16', 'dinov3-vitl16', 'dinov3-vits16plus', 'dinov3-vith16plus']);
    expect(listPresets('dinov2')).toEqual([
      'dinov2-tiny',
      'dinov2-vits14',
      'dinov2-vitb14',
      'dinov2-vitl14',
      'dinov2-vitg14',
      'dinov2-vits14_reg',
      'dinov2-vitb14_reg',
      'dinov2-vitl14_reg',
      'dinov2-vitg14_reg',
    ]);
    for (const name of listPresets()) {
      const p = getPreset(name);
      expect(p.name).toBe(name);
      expect(p.normalization).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], range: 255 });
      expect(p.description.length).toBeGreaterThan(10);
      // the input multiple is the patch size of the encoder the preset builds
      const c = p.config() as { patchSize?: number; encoder?: { patchSize: number } };
      expect(p.input.multiple).toBe(c.encoder?.patchSize ?? c.patchSize);
      if (p.encoder) expect(getPreset(p.encoder).family).toBe(p.family === 'anydepth' ? 'dinov3' : 'dinov2');
    }
  });

  it('carries the input size and normalisation of each family', () => {
    expect(getPreset('anydepth-vitl16').input).toEqual({ sizeRule: 'longer-side', size: 768, multiple: 16, resample: 'area-bilinear' });
    expect(getPreset('dav2-vits').input).toEqual({ sizeRule: 'lower-bound', size: 518, multiple: 14, resample: 'bicubic' });
    expect(familyInput('anydepth')).toBe(ANYDEPTH_INPUT);
    expect(familyInput('depth-anything-v2')).toBe(DAV2_INPUT);
    expect(getPreset('anydepth-tiny').normalization).toBe(IMAGENET_NORMALIZATION);
  });

  it('builds the paper and release configurations (parameter counts pinned to the releases)', () => {
    const s = anyDepthPreset('anydepth-vits16');
    expect([s.encoder.embedDim, s.encoder.depth, s.fusionChannels, s.layers]).toEqual([384, 12, 256, [2, 5, 8, 11]]);
    expect(anyDepthPreset('anydepth-vitl16').layers).toEqual([4, 11, 17, 23]);
    expect(dinov3ParameterCount(getPreset('dinov3-vits16', 'dinov3').config())).toBe(dinov3ParameterCount(s.encoder));
    expect(anyDepthTinyConfig()).toEqual(getPreset('anydepth-tiny', 'anydepth').config());
    expect(anyDepthTinyConfig()).toMatchObject({
      fusionChannels: 32,
      layers: [0, 1, 2, 3],
      encoder: { embedDim: 128, depth: 4, numHeads: 2, numRegisterTokens: 4 },
    });
    // Depth Anything V2: head widths from @anydepth/dpt's one table; parameters of the releases (param_counts.json)
    for (const key of ['vits', 'vitb', 'vitl'] as const) {
      const c = depthAnythingV2Preset(`dav2-${key}`);
      expect([c.features, c.outChannels]).toEqual([DAV2_DPT_CONFIGS[key].features, DAV2_DPT_CONFIGS[key].outChannels]);
    }
    expect(dinov2ParameterCount(depthAnythingV2Preset('dav2-vits').encoder)).toBe(dinov2ParameterCount(getPreset('dinov2-vits14', 'dinov2').config()));
    const tiny = new DepthAnythingV2('dav2-tiny');
    expect(tiny.numParameters()).toBe(431_897); // the dav2_tiny fixture (INDEX.md)
    tiny.dispose();
  });

  it('hands out fresh copies', () => {
    const a = getPreset('anydepth-vits16', 'anydepth').config();
    a.layers.push(99);
    a.encoder.intermediateLayers.push(99);
    expect(getPreset('anydepth-vits16', 'anydepth').config().layers).toEqual([2, 5, 8, 11]);
    expect(anyDepthPreset('anydepth-vits16').encoder.intermediateLayers).toEqual([2, 5, 8, 11]);
  });

  it('refuses unknown names, a wrong family, duplicates and dangling encoders, listing the choices', () => {
    expect(() => getPreset('anydepth-vitx16')).toThrow(
      /unknown preset 'anydepth-vitx16' \(choose dinov3-tiny, dinov3-vits16, .*, anydepth-tiny, .*, dav2-vitl\)$/,
    );
    expect(() => getPreset('dav2-vits', 'anydepth')).toThrow(
      "unknown anydepth preset 'dav2-vits' (choose anydepth-tiny, anydepth-vits16, anydepth-vitb16, anydepth-vitl16)",
    );
    expect(() => createAnyDepth('tiny')).toThrow(/unknown anydepth preset 'tiny'/);
    const tiny = getPreset('anydepth-tiny', 'anydepth');
    expect(() => registerPreset(tiny)).toThrow("registerPreset: 'anydepth-tiny' is already registered (pass { replace: true } to replace it)");
    expect(() => registerPreset({ ...tiny, name: 'Bad Name' })).toThrow(/not a valid preset name/);
    expect(() => registerPreset({ ...tiny, name: 'anydepth-orphan', encoder: 'dinov3-none' })).toThrow(
      "registerPreset: 'anydepth-orphan' names the unknown encoder preset 'dinov3-none'",
    );
  });

  it('registers a user preset that the builders then know by name', () => {
    registerPreset({
      ...getPreset('anydepth-tiny', 'anydepth'),
      name: 'test-anydepth-c16',
      description: 'tiny with C 16',
      config: () => ({ ...anyDepthTinyConfig(), fusionChannels: 16 }),
    });
    expect(listPresets('anydepth')).toContain('test-anydepth-c16');
    const model = createAnyDepth('test-anydepth-c16');
    expect(model.config?.fusionChannels).toBe(16);
    model.dispose();
  });
});
