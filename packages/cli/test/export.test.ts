import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile } from '@anydepth/core';
import { anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights, saveAnyDepth } from '@anydepth/model';
import { onnx } from '@anydepth/onnx';
import { fixturePath, setBackend, sharedPath } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';

const bin = new URL('../src/bin.ts', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'anydepth-cli-export-'));
const weights = join(work, 'tiny.safetensors');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

beforeAll(async () => {
  await setBackend('cpu');
  const model = createAnyDepth(anyDepthTinyConfig());
  loadAnyDepthWeights(model, SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('anydepth_tiny.safetensors')))));
  writeFileSync(weights, await saveAnyDepth(model));
  model.dispose();
});

describe('anydepth export --onnx', () => {
  it('writes a dynamic-size graph, shows progress, and checks it in onnxruntime-node against tfjs', () => {
    const out = join(work, 'tiny.onnx');
    const r = cli(['export', '--onnx', out, '--weights', weights, '--size', '60x90', '--dynamic', '--backend', 'cpu']);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('anydepth:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^export: 100% \d+\/\d+ /m); // the progress line (plain lines when not a terminal)
    expect(r.stdout).toMatch(/wrote .*tiny\.onnx: AnyDepth, opset 17, input image \[1×3×height×width\]/);
    const check = /check: onnxruntime-node vs tfjs \(cpu\) on a 60×90 random image: max \|Δ\| (\S+) .* ok;/.exec(r.stdout);
    expect(check, r.stdout).not.toBeNull();
    expect(Number(check![1])).toBeLessThan(1e-4);
    const model = onnx.ModelProto.decode(readFileSync(out));
    expect(model.graph!.input!.map((i) => i.name)).toEqual(['image']);
    expect(model.graph!.initializer!.some((t) => t.name === 'decoder.output_conv.4.weight')).toBe(true);
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes external data beside the model on request, and the check loads it', () => {
    const out = join(work, 'ext.onnx');
    const r = cli(['export', '--onnx', out, '--weights', weights, '--size', '64', '--external-data', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(`${out}.data`)).toBe(true);
    expect(r.stdout).toMatch(/\(external data\)/);
    expect(r.stdout).toMatch(/check: .* ok;/);
    const model = onnx.ModelProto.decode(readFileSync(out));
    const t = model.graph!.initializer![0];
    expect(t.rawData?.length ?? 0).toBe(0);
    expect(Object.fromEntries(t.externalData!.map((e) => [e.key, e.value])).location).toBe('ext.onnx.data');
  });

  it('says the check was skipped when onnxruntime-node cannot be loaded', () => {
    const out = join(work, 'skip.onnx');
    const r = cli(['export', '--onnx', out, '--weights', weights, '--size', '64', '--backend', 'cpu'], {
      ANYDEPTH_ONNXRUNTIME: 'onnxruntime-node-not-installed',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/check: skipped — onnxruntime-node is not installed/);
    expect(existsSync(out)).toBe(true);
  });

  it('rejects a bad size with one usage line and writes nothing', () => {
    const out = join(work, 'bad.onnx');
    const r = cli(['export', '--onnx', out, '--weights', weights, '--size', '64y']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^anydepth: export: --size must be <H>x<W>/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('anydepth export --onnx with Depth Anything V2 weights', () => {
  const dir = join(work, 'dav2');
  beforeAll(() => {
    // The tiny model has 2 heads of 32, which no tensor shape tells: config.json beside it says so.
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'dav2_tiny.safetensors'), readFileSync(fixturePath('dav2_tiny.safetensors')));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ backbone_config: { num_attention_heads: 2 } }));
  });

  it('detects the family, writes static and dynamic graphs that pass the onnxruntime check, and predict takes the .onnx back', () => {
    const weightsFile = join(dir, 'dav2_tiny.safetensors');
    for (const dynamic of [false, true]) {
      const out = join(dir, dynamic ? 'dynamic.onnx' : 'static.onnx');
      const r = cli(['export', '--onnx', out, '--weights', weightsFile, '--size', '70x98', ...(dynamic ? ['--dynamic'] : []), '--backend', 'cpu']);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('anydepth:'))).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('weights: layout: Depth Anything V2, official names (pretrained.* + depth_head.*)');
      expect(r.stdout).toMatch(
        new RegExp(
          `wrote .*${dynamic ? 'dynamic' : 'static'}\\.onnx: Depth Anything V2, opset 17, input image \\[1×3×${dynamic ? 'height×width' : '70×98'}\\]`,
        ),
      );
      const check = /check: onnxruntime-node vs tfjs \(cpu\) on a 70×98 random image: max \|Δ\| (\S+) .* ok;/.exec(r.stdout);
      expect(check, r.stdout).not.toBeNull();
      expect(Number(check![1])).toBeLessThan(1e-4);
      const model = onnx.ModelProto.decode(readFileSync(out));
      expect(model.graph!.initializer!.map((t) => t.name)).toContain('pretrained.blocks.0.attn.qkv.weight');
    }
    // The ONNX file is weights too (its metadata holds the config, so no config.json is needed).
    const alone = join(work, 'dav2-onnx-alone');
    mkdirSync(alone, { recursive: true });
    writeFileSync(join(alone, 'model.onnx'), readFileSync(join(dir, 'dynamic.onnx')));
    const out = join(work, 'dav2-from-onnx');
    const p = cli([
      'predict',
      sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'),
      '--weights',
      join(alone, 'model.onnx'),
      '--out',
      out,
      '--size',
      '56',
      '--backend',
      'cpu',
    ]);
    expect(p.stderr.split('\n').filter((l) => l.startsWith('anydepth:'))).toEqual([]);
    expect(p.code).toBe(0);
    expect(p.stdout).toContain('weights: config (inferred): DINOv2 D 64, 4 blocks, 2 heads');
    expect(readdirSync(out).sort()).toEqual(['rgb_00000_color.png', 'rgb_00000_disp16.png']);
  });

  it('refuses a size that is not a multiple of the patch size, saying which sizes work', () => {
    const r = cli(['export', '--onnx', join(dir, 'bad.onnx'), '--weights', join(dir, 'dav2_tiny.safetensors'), '--size', '64x96', '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^anydepth: export: Depth Anything V2 takes sides that are multiples of 14; --size 64x96 is not \(try 70x98\)$/m);
    expect(existsSync(join(dir, 'bad.onnx'))).toBe(false);
  });
});
