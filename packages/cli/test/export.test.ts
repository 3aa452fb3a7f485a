import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile } from '@anydepth/core';
import { anyDepthTinyConfig, createAnyDepth, loadAnyDepthWeights, saveAnyDepth } from '@anydepth/model';
import { onnx } from '@anydepth/onnx';
import { fixturePath, setBackend } from '@anydepth/test-utils';
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
    expect(r.stdout).toMatch(/wrote .*tiny\.onnx: opset 17, input image \[1×3×height×width\]/);
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
    const r = cli(['export', '--onnx', out, '--weights', weights, '--size', '64', '--backend', 'cpu'], { ANYDEPTH_ONNXRUNTIME: 'onnxruntime-node-not-installed' });
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
