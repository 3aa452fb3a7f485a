import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, type TensorSource, encodeSafetensors, hostToTensor } from '@anydepth/core';
import { openCheckpointFile } from '@anydepth/core/node';
import { compareClose, fixturePath, setBackend } from '@anydepth/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyDepth, detectCheckpointLayout, loadAnyDepthCheckpoint, saveAnyDepth } from '../src/index.js';
import { loadAnyDepthFromFiles } from '../src/node.js';

const io = openCheckpointFile(fixturePath('anydepth_official_tiny_io.safetensors'));
const official = openCheckpointFile(fixturePath('anydepth_official_tiny.safetensors'));
const dir = mkdtempSync(join(tmpdir(), 'anydepth-layout-'));
afterAll(() => {
  io.close();
  official.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The same tensors under other names: `rename` maps a name to its new one, or null to drop it. */
function renamed(source: TensorSource, rename: (k: string) => string | null, extra: Record<string, HostTensor> = {}): TensorSource {
  const map = new Map<string, string>();
  for (const k of source.keys()) {
    const n = rename(k);
    if (n !== null) map.set(n, k);
  }
  return {
    keys: () => [...map.keys(), ...Object.keys(extra)],
    get: (k) => extra[k] ?? (map.has(k) ? source.get(map.get(k)!) : undefined),
    shapeOf: (k) => extra[k]?.shape ?? (map.has(k) ? source.shapeOf?.(map.get(k)!) : undefined),
  };
}

function expectOfficialOutputs(model: AnyDepth, label: string): void {
  for (const k of ['a', 'c']) {
    const image = hostToTensor(io.get(`input.${k}.image_nhwc`)!); // [1, H, W, 3]: a 80×48, c 70×40 (centre-padded to 80×48)
    const depth = model.forward(image); // [1, 80, 48, 1]
    expect(depth.shape, `${label} ${k}`).toEqual([1, 80, 48, 1]);
    const r = compareClose(depth.dataSync(), io.get(`output.${k}.depth`)!.data as Float32Array, { atol: 1e-4, label: `${label} depth ${k}` });
    expect(r.ok, r.message).toBe(true);
    tf.dispose([image, depth]);
  }
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`official AnyDepth checkpoints on ${backend}, config inferred`, () => {
    beforeAll(() => setBackend(backend));
    for (const file of ['anydepth_official_tiny.pth', 'anydepth_official_tiny.safetensors']) {
      it(`${file} gives the official outputs within 1e-4`, () => {
        const before = tf.memory().numTensors;
        const { model, report } = loadAnyDepthFromFiles(fixturePath(file));
        expect(report.layout.scheme).toBe('official');
        expect(report.configOrigin).toBe('inferred');
        const e = report.config.encoder;
        expect([e.embedDim, e.depth, e.numHeads, e.numRegisterTokens, e.patchSize, report.config.fusionChannels, report.config.layers]).toEqual([
          128,
          4,
          2,
          4,
          16,
          32,
          [0, 1, 2, 3],
        ]);
        expect(report.decoder.missing).toEqual([]);
        expect(report.encoder.missing).toEqual([]);
        expectOfficialOutputs(model, file);
        model.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });
}

describe('checkpoint layouts', () => {
  beforeAll(() => setBackend('cpu'));

  it('recognises the official build_depther layout and reports it', () => {
    const layout = detectCheckpointLayout(official);
    expect(layout).toMatchObject({
      family: 'anydepth',
      scheme: 'official',
      encoder: { source: 0, prefix: '0.encoder.backbone.', scheme: 'hub' },
      decoder: { source: 0, prefix: '0.decoder.' },
      wrappers: [],
      unclaimed: [[]],
    });
    expect(layout.report).toEqual([
      'layout: official AnyDepth build_depther state_dict (0.encoder.backbone.* + 0.decoder.*)',
      "decoder: anydepth_official_tiny.safetensors under '0.decoder.'",
      "encoder: anydepth_official_tiny.safetensors under '0.encoder.backbone.' (torch-hub names)",
    ]);
  });

  const wrappings: Array<[string, (k: string) => string, string[]]> = [
    ['DDP module.', (k) => `module.${k}`, ['module']],
    ["{'model': …}", (k) => `model.${k}`, ['model']],
    ["{'state_dict': …} of DDP", (k) => `state_dict.module.${k}`, ['state_dict', 'module']],
    ["{'model_state_dict': …}", (k) => `model_state_dict.${k}`, ['model_state_dict']],
  ];
  for (const [name, wrap, wrappers] of wrappings) {
    it(`loads the official layout wrapped as ${name}, ignoring what lies beside the model`, () => {
      const optimizerState = { 'optimizer.state.0.exp_avg': { dtype: 'F32', shape: [2], data: new Float32Array(2) } as HostTensor };
      const source = renamed(official, wrap, wrappers[0] === 'module' ? {} : optimizerState);
      const { model, report } = loadAnyDepthCheckpoint(source);
      expect(report.layout.wrappers).toEqual(wrappers);
      expect(report.layout.scheme).toBe('official');
      expect(report.layout.ignored.flat()).toEqual(wrappers[0] === 'module' ? [] : ['optimizer.state.0.exp_avg']);
      expect(report.lines[1]).toBe(`wrapped in: ${wrappers.map((w) => `'${w}'`).join(' > ')}`);
      expectOfficialOutputs(model, name);
      model.dispose();
    });
  }

  it('loads a decoder-only file plus a torch-hub DINOv3 backbone file', () => {
    const decoderOnly = renamed(official, (k) => (k.startsWith('0.decoder.') ? k.slice('0.decoder.'.length) : null));
    const backbone = renamed(official, (k) => (k.startsWith('0.encoder.backbone.') ? k.slice('0.encoder.backbone.'.length) : null));
    const { model, report } = loadAnyDepthCheckpoint([decoderOnly, backbone]);
    expect(report.layout).toMatchObject({ scheme: 'split', decoder: { source: 0, prefix: '' }, encoder: { source: 1, prefix: '', scheme: 'hub' } });
    expectOfficialOutputs(model, 'split');
    model.dispose();
    // the backbone first works just as well
    const swapped = loadAnyDepthCheckpoint([backbone, decoderOnly]);
    expect(swapped.report.layout).toMatchObject({ decoder: { source: 1 }, encoder: { source: 0 } });
    swapped.model.dispose();
  });

  it('loads a decoder file plus a Hugging Face DINOv3 folder whose config.json sets the head count', () => {
    const project = openCheckpointFile(fixturePath('anydepth_tiny.safetensors')); // encoder.<HF names>, decoder.<SDT>
    const take = (prefix: string) => {
      const out: Record<string, HostTensor> = {};
      for (const k of project.keys()) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = project.get(k)!;
      return out;
    };
    const hfFolder = join(dir, 'dinov3-tiny-hf');
    rmSync(hfFolder, { recursive: true, force: true });
    mkdirSync(hfFolder);
    writeFileSync(join(hfFolder, 'model.safetensors'), encodeSafetensors(take('encoder.')));
    const hfConfig = {
      model_type: 'dinov3_vit',
      hidden_size: 128,
      num_hidden_layers: 4,
      num_attention_heads: 2,
      intermediate_size: 512,
      num_register_tokens: 4,
      patch_size: 16,
    };
    writeFileSync(join(hfFolder, 'config.json'), JSON.stringify(hfConfig));
    const decoderFile = join(dir, 'decoder.safetensors');
    writeFileSync(decoderFile, encodeSafetensors(take('decoder.')));

    const { model, report } = loadAnyDepthFromFiles([decoderFile, hfFolder]);
    expect(report.layout).toMatchObject({ scheme: 'split', encoder: { source: 1, scheme: 'hf' } });
    expect(report.configOrigin).toBe('inferred+config.json');
    for (const k of ['a', 'c']) {
      const image = project.get(`input.${k}.image_nhwc`)!;
      const x = tf.tensor(image.data as Float32Array, [...image.shape]);
      const depth = model.forward(x); // [1, 64, 96, 1]
      const r = compareClose(depth.dataSync(), project.get(`output.${k}.depth`)!.data as Float32Array, { atol: 1e-4, label: `hf split ${k}` });
      expect(r.ok, r.message).toBe(true);
      tf.dispose([x, depth]);
    }
    model.dispose();

    // HF names carry no RoPE periods: without config.json the head dim defaults to 64 (2 heads at D 128);
    // config.json saying 4 heads wins.
    writeFileSync(join(hfFolder, 'config.json'), JSON.stringify({ ...hfConfig, num_attention_heads: 4 }));
    const four = loadAnyDepthFromFiles([decoderFile, hfFolder]);
    expect(four.report.config.encoder.numHeads).toBe(4);
    four.model.dispose();
    rmSync(join(hfFolder, 'config.json'));
    const none = loadAnyDepthFromFiles([decoderFile, hfFolder]);
    expect([none.report.configOrigin, none.report.config.encoder.numHeads]).toEqual(['inferred', 2]);
    none.model.dispose();
    project.close();
  });

  it('an explicit config always wins; a project file brings its config in the metadata', async () => {
    const inferred = loadAnyDepthCheckpoint(official);
    const explicit = loadAnyDepthCheckpoint(official, { config: { ...inferred.report.config, minDepth: 0.25 } });
    expect([explicit.report.configOrigin, explicit.report.config.minDepth, explicit.model.minDepth]).toEqual(['explicit', 0.25, 0.25]);
    expect(() => loadAnyDepthCheckpoint(official, { config: { ...inferred.report.config, fusionChannels: 16 } })).toThrow(
      /0\.decoder\.weighted_fusion\.projections\.0\.0\.weight expected \[16,128\] but the checkpoint has \[32,128\]/,
    );
    const file = join(dir, 'project.safetensors');
    writeFileSync(file, await saveAnyDepth(inferred.model));
    const reloaded = loadAnyDepthFromFiles(file);
    expect([reloaded.report.layout.scheme, reloaded.report.configOrigin]).toEqual(['project', 'metadata']);
    expectOfficialOutputs(reloaded.model, 'project round trip');
    for (const m of [inferred.model, explicit.model, reloaded.model]) m.dispose();
  });

  it('names tensors it does not recognise, and refuses a missing backbone in strict mode', () => {
    const stray = renamed(official, (k) => k, { '0.extra.weight': { dtype: 'F32', shape: [1], data: new Float32Array(1) } });
    expect(() => loadAnyDepthCheckpoint(stray)).toThrow(/^checkpoint has 1 tensor\(s\) that are neither encoder nor decoder \(0\.extra\.weight\)/);
    const decoderOnly = renamed(official, (k) => (k.startsWith('0.decoder.') ? k.slice('0.decoder.'.length) : null));
    expect(() => loadAnyDepthCheckpoint(decoderOnly)).toThrow(
      /^cannot infer the model configuration: no encoder tensors \(layout: AnyDepth SDT decoder with a separate DINOv3 backbone; decoder: source 0 under ''; encoder: not found \(give the backbone file too\)\)/,
    );
  });

  it('recognises a Depth Anything V2 checkpoint (for the DAv2 loader) and does not load it as AnyDepth', () => {
    const dav2 = openCheckpointFile(fixturePath('dav2_tiny.pth'));
    const layout = detectCheckpointLayout(dav2);
    expect(layout).toMatchObject({
      family: 'dav2',
      scheme: 'dav2-official',
      encoder: { prefix: 'pretrained.', scheme: 'hub' },
      decoder: { prefix: 'depth_head.' },
      unclaimed: [[]],
    });
    expect(() => loadAnyDepthCheckpoint(dav2)).toThrow('inferAnyDepthConfig: the checkpoint holds a dav2 model, not AnyDepth');
    dav2.close();
  });

  it('says what it looked for when no decoder is found', () => {
    const encoderOnly = renamed(official, (k) => (k.startsWith('0.encoder.') ? k : null));
    expect(() => detectCheckpointLayout(encoderOnly)).toThrow(
      "source 0: no depth decoder found (looked for an SDT 'weighted_fusion.projections.0.0.weight' or Depth Anything V2 'depth_head.scratch.refinenet1.out_conv.weight' under any prefix); the checkpoint has: 0.encoder.backbone.cls_token",
    );
  });
});
