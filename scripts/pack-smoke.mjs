#!/usr/bin/env node
// Packs @anydepth/core, installs the tarball into an empty scratch project with tfjs-core and the cpu
// backend, and checks that both `import` and `require` work. Usage: node scripts/pack-smoke.mjs [package-dir...]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['packages/core'];
const scratch = mkdtempSync(join(tmpdir(), 'anydepth-pack-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const tarballs = dirs.map((d) => {
  const out = run('npm', ['pack', '--json', '--pack-destination', scratch], resolve(root, d));
  return join(scratch, JSON.parse(out)[0].filename);
});
writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, version: '0.0.0' }));
const tfVersion = JSON.parse(readFileSync(join(root, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8')).version;
run(
  'npm',
  ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs, `@tensorflow/tfjs-core@${tfVersion}`, `@tensorflow/tfjs-backend-cpu@${tfVersion}`],
  scratch,
);

const body = (core, tfc) => `
  ${tfc}.env().set('IS_TEST', true);
  const backend = await core.useBackend('cpu');
  const lin = new core.Linear(3, 2);
  lin.loadStateDict({ weight: ${tfc}.tensor([[1, 2, 3], [4, 5, 6]]), bias: ${tfc}.tensor([0, 1]) });
  const y = Array.from(lin.forward(${tfc}.ones([1, 3])).dataSync());
  const bytes = await core.saveSafetensors(lin.stateDict());
  const names = core.SafetensorsFile.fromBytes(bytes).keys().sort().join(',');
  if (y.join(',') !== '6,16' || names !== 'bias,weight' || backend !== 'cpu') throw new Error('unexpected result ' + y + ' ' + names);
  console.log(MODE + ' ok: ' + y + ' ' + names);`;
writeFileSync(
  join(scratch, 'esm.mjs'),
  `const MODE='import'; import * as core from '@anydepth/core'; import * as tf from '@tensorflow/tfjs-core'; import { writeFileAtomic } from '@anydepth/core/node';\n${body('core', 'tf')}\nif (typeof writeFileAtomic !== 'function') throw new Error('node subpath');`,
);
writeFileSync(
  join(scratch, 'cjs.cjs'),
  `const MODE='require'; const core = require('@anydepth/core'); const tf = require('@tensorflow/tfjs-core'); const { writeFileAtomic } = require('@anydepth/core/node');\n(async () => {${body('core', 'tf')}\nif (typeof writeFileAtomic !== 'function') throw new Error('node subpath'); })().catch((e) => { console.error(e); process.exit(1); });`,
);
process.stdout.write(run('node', ['esm.mjs'], scratch));
process.stdout.write(run('node', ['cjs.cjs'], scratch));
console.log(`pack smoke test passed in ${scratch}`);
