import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HostTensor, SafetensorsFile, encodeSafetensors } from '@anydepth/core';
import { openCheckpointFile } from '@anydepth/core/node';
import { anyDepthTinyConfig, createAnyDepth, getPreset, listPresets, loadAnyDepthWeights, saveAnyDepth } from '@anydepth/model';
import { fixturePath, setBackend, sharedPath } from '@anydepth/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { isHubRepoId } from '../src/weights.js';

const bin = new URL('../src/bin.ts', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'anydepth-cli-'));
const weights = join(work, 'tiny.safetensors');

/** Like `cli`, without blocking the test worker's event loop (vitest's RPC times out behind long spawnSync chains). */
function cliAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.trim() });
    });
  });
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

beforeAll(async () => {
  await setBackend('cpu');
  const model = createAnyDepth(anyDepthTinyConfig());
  loadAnyDepthWeights(model, SafetensorsFile.fromBytes(new Uint8Array(readFileSync(fixturePath('anydepth_tiny.safetensors')))));
  writeFileSync(weights, await saveAnyDepth(model));
  model.dispose();
});

describe('anydepth predict', () => {
  it('writes every requested output for a photo', () => {
    const out = join(work, 'ok');
    const r = cli(
      'predict',
      sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'),
      '--weights',
      weights,
      '--out',
      out,
      '--size',
      '64',
      '--backend',
      'cpu',
      '--format',
      'png16,color,npy,ply',
    );
    expect(r.stderr.split('\n').filter((l) => l.startsWith('anydepth:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['rgb_00000.ply', 'rgb_00000_color.png', 'rgb_00000_disp.npy', 'rgb_00000_disp16.png']);
    const ply = readFileSync(join(out, 'rgb_00000.ply'));
    expect(ply.subarray(0, 200).toString('latin1')).toMatch(/element vertex 307200/); // 640×480 points, input size
  });

  const bad: Array<[string, () => string[], RegExp]> = [
    [
      'a corrupt image',
      () => {
        const p = join(work, 'corrupt.jpg');
        writeFileSync(p, Buffer.from('\xff\xd8\xff\xe0 definitely not a jpeg', 'latin1'));
        return [p, '--weights', weights];
      },
      /^anydepth: cannot read image '.*corrupt\.jpg': /,
    ],
    ['a missing image', () => [join(work, 'nope.png'), '--weights', weights], /^anydepth: cannot read image '.*nope\.png': no such file$/],
    [
      'missing weights',
      () => [sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'), '--weights', join(work, 'missing.safetensors')],
      /^anydepth: weights not found: /,
    ],
    [
      'a checkpoint that is not AnyDepth',
      () => [sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'), '--weights', fixturePath('dysample_lp_dyscope.safetensors')],
      /^anydepth: cannot load weights '.*dysample_lp_dyscope\.safetensors': /,
    ],
    [
      'a file that is no checkpoint',
      () => {
        const p = join(work, 'bad.safetensors');
        writeFileSync(p, Buffer.alloc(64, 7));
        return [sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'), '--weights', p];
      },
      /^anydepth: cannot load weights .*bad\.safetensors': bad\.safetensors: not a checkpoint this library reads/,
    ],
    [
      'a truncated safetensors file',
      () => {
        const p = join(work, 'cut.safetensors');
        const b = Buffer.alloc(64, 0x20);
        b.writeUInt32LE(1000, 0);
        b.writeUInt32LE(0, 4);
        b[8] = 0x7b;
        writeFileSync(p, b);
        return [sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'), '--weights', p];
      },
      /^anydepth: cannot load weights .*header length 1000 exceeds the file size 64$/,
    ],
    [
      'a mistyped local path (not tried on the hub)',
      () => [sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'), '--weights', 'models/anydepth_vits.pth'],
      /^anydepth: weights not found: models\/anydepth_vits\.pth \(no such file or folder\)$/,
    ],
    [
      'an unknown format',
      () => [sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'), '--weights', weights, '--format', 'png16,gif'],
      /^anydepth: predict: unknown format 'gif'/,
    ],
  ];
  it.each(bad)('exits non-zero with one clear line and writes nothing for %s', (_label, args, pattern) => {
    const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
    mkdirSync(out);
    const r = cli('predict', ...args(), '--out', out, '--size', '64', '--backend', 'cpu');
    expect(r.code).not.toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    expect(lines.length, r.stderr).toBe(1);
    expect(lines[0]).toMatch(pattern);
    expect(readdirSync(out)).toEqual([]);
  });

  it('--size over 4096 is refused before anything is loaded, naming the limit and the memory it would take', async () => {
    const r = await cliAsync(
      'predict',
      sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'),
      '--weights',
      join(work, 'missing.safetensors'),
      '--out',
      join(work, 'big'),
      '--size',
      '8192',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'anydepth: predict: --size 8192 is over the limit of 4096 (a square 8192-px input is 262144 tokens: one attention matrix alone takes 256.0 GiB)',
    );
  });

  it('the output folder is checked (a folder, creatable, writable) before the model is loaded or anything runs', async () => {
    const file = join(work, 'a-file.txt');
    writeFileSync(file, 'x');
    const image = sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg');
    // Missing weights would be the first error if the folder were checked only after loading and inference.
    const notDir = await cliAsync('predict', image, '--weights', join(work, 'missing.safetensors'), '--out', file, '--size', '64', '--backend', 'cpu');
    expect([notDir.code, notDir.stderr]).toEqual([1, `anydepth: predict: the output folder '${file}' exists and is not a folder`]);
    const under = await cliAsync(
      'predict',
      image,
      '--weights',
      join(work, 'missing.safetensors'),
      '--out',
      join(file, 'sub'),
      '--size',
      '64',
      '--backend',
      'cpu',
    );
    expect(under.code).toBe(1);
    expect(under.stderr).toMatch(new RegExp(`^anydepth: predict: cannot create the output folder '${join(file, 'sub')}': ENOTDIR`));
    const fresh = join(work, 'fresh', 'nested');
    const ok = await cliAsync('predict', image, '--weights', join(work, 'missing.safetensors'), '--out', fresh, '--size', '64', '--backend', 'cpu');
    expect(ok.stderr).toMatch(/^anydepth: weights not found: /); // the folder passed the check and was created empty
    expect(readdirSync(fresh)).toEqual([]);
  });

  it('a batch with bad images reports and skips them, writes the others, and exits 3', async () => {
    const out = join(work, 'batch');
    const corrupt = join(work, 'batch-corrupt.jpg');
    writeFileSync(corrupt, Buffer.from('\xff\xd8\xff\xe0 definitely not a jpeg', 'latin1'));
    const good = sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg');
    const r = await cliAsync('predict', corrupt, good, join(work, 'batch-missing.png'), '--weights', weights, '--out', out, '--size', '64', '--backend', 'cpu');
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('anydepth:'));
    expect(lines[0]).toMatch(/^anydepth: cannot read image '.*batch-corrupt\.jpg': /);
    expect(lines.slice(1)).toEqual([
      `anydepth: cannot read image '${join(work, 'batch-missing.png')}': no such file`,
      'anydepth: predict: 2 of 3 image(s) failed (listed above); the others were written',
    ]);
    expect(r.code).toBe(3);
    expect(readdirSync(out).sort()).toEqual(['rgb_00000_color.png', 'rgb_00000_disp16.png']);
  });

  it('predicts with the official AnyDepth .pth, config inferred, and says what it recognised', async () => {
    const out = join(work, 'official');
    const r = await cliAsync(
      'predict',
      sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'),
      '--weights',
      fixturePath('anydepth_official_tiny.pth'),
      '--out',
      out,
      '--size',
      '64',
      '--backend',
      'cpu',
    );
    expect(r.stderr.split('\n').filter((l) => l.startsWith('anydepth:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('weights: layout: official AnyDepth build_depther state_dict (0.encoder.backbone.* + 0.decoder.*)');
    expect(r.stdout).toContain('weights: config (inferred): DINOv3 D 128, 4 blocks, 2 heads, 4 registers, mlp; SDT C 32; layers [0,1,2,3]');
    expect(readdirSync(out).sort()).toEqual(['rgb_00000_color.png', 'rgb_00000_disp16.png']);
  });

  it('predicts with a Depth Anything V2 .pth (config.json beside it gives the head count) and says what it recognised', async () => {
    const dir = join(work, 'dav2-weights');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'dav2_tiny.pth'), readFileSync(fixturePath('dav2_tiny.pth')));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ backbone_config: { num_attention_heads: 2 } }));
    const out = join(work, 'dav2');
    const r = await cliAsync(
      'predict',
      sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'),
      '--weights',
      join(dir, 'dav2_tiny.pth'),
      '--out',
      out,
      '--size',
      '56',
      '--backend',
      'cpu',
    );
    expect(r.stderr.split('\n').filter((l) => l.startsWith('anydepth:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('weights: layout: Depth Anything V2, official names (pretrained.* + depth_head.*)');
    expect(r.stdout).toContain('weights: config (inferred): DINOv2 D 64, 4 blocks, 2 heads; DPT features 16, out channels [8,16,32,64]; layers [0,1,2,3]');
    expect(readdirSync(out).sort()).toEqual(['rgb_00000_color.png', 'rgb_00000_disp16.png']);
  });

  it('--model takes the configuration from the preset registry instead of the checkpoint, and lists the presets when unknown', async () => {
    // without config.json the head count of dav2_tiny.pth cannot be told from its shapes; the preset says it
    const out = join(work, 'dav2-preset');
    const r = await cliAsync(
      'predict',
      sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'),
      '--weights',
      fixturePath('dav2_tiny.pth'),
      '--model',
      'dav2-tiny',
      '--out',
      out,
      '--size',
      '56',
      '--backend',
      'cpu',
    );
    expect(r.stderr.split('\n').filter((l) => l.startsWith('anydepth:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('weights: config (explicit): DINOv2 D 64, 4 blocks, 2 heads; DPT features 16, out channels [8,16,32,64]; layers [0,1,2,3]');
    const bad = cli('predict', 'x.jpg', '--weights', weights, '--out', out, '--model', 'dav2-vitx');
    expect([bad.code, bad.stderr]).toEqual([
      2,
      `anydepth: predict: unknown model 'dav2-vitx' (choose ${[...listPresets('anydepth'), ...listPresets('depth-anything-v2')].join(', ')})`,
    ]);
    expect(cli('predict', '--help').stdout).toContain(`dav2-vits          ${getPreset('dav2-vits').description}`);
  });

  it('takes --weights twice: a decoder file and a DINOv3 backbone file', async () => {
    const official = openCheckpointFile(fixturePath('anydepth_official_tiny.safetensors'));
    const part = (prefix: string) => {
      const out: Record<string, HostTensor> = {};
      for (const k of official.keys()) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = official.get(k)!;
      return encodeSafetensors(out);
    };
    writeFileSync(join(work, 'sdt_decoder.safetensors'), part('0.decoder.'));
    writeFileSync(join(work, 'dinov3_backbone.safetensors'), part('0.encoder.backbone.'));
    official.close();
    const out = join(work, 'split');
    const r = await cliAsync(
      'predict',
      sharedPath('data', 'nyu_metric3d', 'rgb', 'rgb_00000.jpg'),
      '--weights',
      join(work, 'sdt_decoder.safetensors'),
      '--weights',
      join(work, 'dinov3_backbone.safetensors'),
      '--out',
      out,
      '--size',
      '64',
      '--backend',
      'cpu',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('weights: layout: AnyDepth SDT decoder with a separate DINOv3 backbone');
    expect(r.stdout).toContain("weights: encoder: dinov3_backbone.safetensors under '' (torch-hub names)");
    expect(readdirSync(out).sort()).toEqual(['rgb_00000_color.png', 'rgb_00000_disp16.png']);
  });

  it('tries only owner/name values on the hub, never things that look like paths', () => {
    expect(['depth-anything/Depth-Anything-V2-Small-hf', 'facebook/dinov3-vits16-pretrain-lvd1689m', 'me/anydepth.v2'].map(isHubRepoId)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['models/anydepth.pth', './a/b', 'a/b/c', '/abs/model', 'ckpt/model.safetensors', 'dir/weights.bin'].map(isHubRepoId)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('prints help and rejects unknown commands', () => {
    const help = cli('predict', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: anydepth predict/);
    const version = cli('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    const unknown = cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    // Object's property names are not commands (a plain lookup once ran `constructor` and crashed on `help toString`).
    const inherited = cli('constructor');
    expect(inherited.code).toBe(2);
    expect(inherited.stderr).toMatch(/unknown command 'constructor'/);
    const helpOfInherited = cli('help', 'toString');
    expect(helpOfInherited.code).toBe(0);
    expect(helpOfInherited.stdout).toMatch(/Usage: anydepth <command>/);
  });
});

describe('anydepth eval', () => {
  it('evaluates a model on the NYUv2 samples and prints the Table 2 columns', () => {
    const json = join(work, 'nyu.json');
    const r = cli(
      'eval',
      '--weights',
      weights,
      '--dataset',
      'nyuv2',
      '--root',
      sharedPath('data', 'nyu_metric3d'),
      '--size',
      '64',
      '--backend',
      'cpu',
      '--json',
      json,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| Method \| NYUv2 AbsRel ↓ \| NYUv2 δ1 ↑ \|/);
    expect(r.stdout).toMatch(/\(3 images, 0 skipped/);
    const summary = JSON.parse(readFileSync(json, 'utf8')).summary;
    expect(summary.count).toBe(3);
    // Pinned: the tiny fixture model on the three NYUv2 samples at 64 px on the cpu backend (each stage — the
    // model against the official outputs, alignment and metrics against Marigold's — has its own fixture test;
    // this pins the composition, so a change in preprocessing, alignment or averaging shows here).
    expect(summary.metrics.absRel).toBeCloseTo(0.227, 4);
    expect(summary.metrics.delta1).toBeCloseTo(0.648595, 4);
    expect(summary.metrics.rmse).toBeCloseTo(1.216211, 4);
  });

  it('rejects an unknown dataset and a root without samples', () => {
    expect(cli('eval', '--weights', weights, '--dataset', 'middlebury', '--root', work).code).toBe(2);
    // 'nyu' (the old spelling) is accepted with a note naming 'nyuv2'.
    const empty = cli('eval', '--weights', weights, '--dataset', 'nyu', '--root', join(work, 'ok'), '--backend', 'cpu');
    expect(empty.code).toBe(1);
    expect(empty.stderr.split('\n')).toEqual([
      "anydepth: note: dataset 'nyu' is spelled 'nyuv2' in AnyDepth; 'nyu' is accepted as an alias",
      expect.stringMatching(/^anydepth: no nyuv2 samples found under /),
    ]);
  });
});

describe('anydepth quality', () => {
  it('scores a real NYU depth map (the spec check value)', () => {
    const out = join(work, 'scores.jsonl');
    const r = cli(
      'quality',
      'score',
      sharedPath('data', 'nyu_metric3d', 'depth', 'sync_depth_00050.png'),
      '--dataset',
      'nyuv2',
      '--out',
      out,
      '--workers',
      '1',
    );
    expect(r.code, r.stderr).toBe(0);
    const rec = JSON.parse(readFileSync(out, 'utf8').trim().split('\n')[0]);
    expect(rec.totalScore).toBeCloseTo(0.6062, 3); // spec data-quality.md public check value
  });
});
