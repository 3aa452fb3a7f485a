#!/usr/bin/env node
// The packed-README test: every published package's README snippet runs verbatim in an empty project after
// exactly the install line its README shows, with the package (and its @anydepth dependencies) installed from
// `npm pack` tarballs and everything else from the npm registry/cache.
//
// For each package, in one shared scratch project (so npm downloads tfjs once):
//   1. the snippet's imports must all be on its install line (a phantom dependency would pass only because
//      npm hoists transitive packages — the kernels README once imported @anydepth/core without listing it),
//   2. package.json's dependencies become that install line (+ the tarballs of the @anydepth packages it pulls
//      in) and `npm install` prunes whatever an earlier package installed,
//   3. the files the snippet reads are staged from ../shared (a photo, a depth PNG, a checkpoint),
//   4. the TypeScript snippet is transpiled (types erased, nothing else) and run with node; it must exit 0 and
//      print what its `console.log(…); // value` comments claim.
// The CLI has no TypeScript snippet: its install line is followed by `anydepth --help`, `--version` and the
// README's predict line. Needs `npm run build` first. Usage: node scripts/readme-pack-test.mjs [package ...]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageName, readReadme } from './readme-snippets.mjs';

const root = resolve(import.meta.dirname, '..');
const shared = process.env.ANYDEPTH_SHARED ?? resolve(root, '../shared');
const ts = createRequire(join(root, 'package.json'))('typescript');

/** Files a package's snippet reads, relative to the project: target → path under ../shared. */
const STAGED = {
  model: { 'model.safetensors': 'fixtures/anydepth_tiny.safetensors', 'photo.jpg': 'data/nyu_metric3d/rgb/rgb_00000.jpg' },
  datasets: { 'sync_depth_00050.png': 'data/nyu_metric3d/depth/sync_depth_00050.png', 'data/tartanair': 'data/tartanair_sample' },
  cli: { 'model.safetensors': 'fixtures/anydepth_tiny.safetensors', photos: 'data/nyu_metric3d/rgb' },
};

const published = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, json: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private);
const selected = process.argv.slice(2).length ? published.filter((p) => process.argv.slice(2).includes(p.dir)) : published;
const byName = new Map(published.map((p) => [p.json.name, p]));

const scratch = mkdtempSync(join(tmpdir(), 'anydepth-readme-'));
const project = join(scratch, 'project');
mkdirSync(project);
const run = (cmd, args, cwd, timeout = 600_000) => execFileSync(cmd, args, { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });

// One `npm pack` for every published package (the tarball is what the registry would serve).
const packed = JSON.parse(
  run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch, ...published.flatMap((p) => ['-w', `packages/${p.dir}`])], root),
);
const tarball = new Map(packed.map((t) => [t.name, join(scratch, t.filename)]));
/** What a tarball lacks of the files every package must ship ('dist/index.js' missing = not built). */
const tarballGaps = new Map(
  packed.map((t) => [t.name, ['LICENSE', 'README.md', 'package.json', 'dist/index.js'].filter((need) => !t.files.some((f) => f.path === need))]),
);

/** The @anydepth packages a set of names pulls in, transitively (they come from tarballs, not the registry). */
function withAnydepthDeps(names) {
  const out = new Set();
  const visit = (name) => {
    if (out.has(name) || !byName.has(name)) return;
    out.add(name);
    const json = byName.get(name).json;
    for (const dep of Object.keys({ ...json.dependencies, ...json.peerDependencies })) visit(dep);
  };
  names.forEach(visit);
  return [...out];
}

function install(specs) {
  const names = specs.map(packageName);
  const dependencies = {};
  for (const spec of specs) {
    const name = packageName(spec);
    if (!byName.has(name)) dependencies[name] = spec.length > name.length ? spec.slice(name.length + 1) : '*';
  }
  for (const name of withAnydepthDeps(names)) dependencies[name] = `file:${tarball.get(name)}`;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-test', private: true, type: 'module', dependencies }, null, 2));
  // The local tarballs are reinstalled every time (cheap): npm keeps a file: dependency an earlier package.json
  // listed even after it is gone from this one.
  rmSync(join(project, 'node_modules', '@anydepth'), { recursive: true, force: true });
  // Scripts stay off: sharp and the tfjs backends ship prebuilt binaries; nothing here needs an install step.
  run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], project);
  const expected = new Set(withAnydepthDeps(names));
  const scope = join(project, 'node_modules', '@anydepth');
  const leftover = existsSync(scope)
    ? readdirSync(scope)
        .map((n) => `@anydepth/${n}`)
        .filter((n) => !expected.has(n))
    : [];
  if (leftover.length) throw new Error(`npm left ${leftover.join(', ')} from an earlier package's install in place`);
}

function stage(dir) {
  for (const [target, source] of Object.entries(STAGED[dir] ?? {})) {
    const from = join(shared, source);
    if (!existsSync(from)) throw new Error(`${dir}: ${source} not found in ${shared} (set ANYDEPTH_SHARED)`);
    cpSync(from, join(project, target), { recursive: true });
  }
}

// Logs every console.log call's arguments and the snippet line it came from as JSON lines into $README_LOG,
// so the claims can be checked (a console.log in a loop logs many times from one line).
writeFileSync(
  join(scratch, 'capture-logs.mjs'),
  `import { appendFileSync } from 'node:fs';
const plain = (v) => (ArrayBuffer.isView(v) ? Array.from(v) : v);
const log = console.log.bind(console);
console.log = (...args) => {
  const site = /snippet-[^:]*:(\\d+):/.exec(new Error().stack.split('\\n')[2] ?? '');
  appendFileSync(process.env.README_LOG, JSON.stringify({ line: site ? Number(site[1]) : -1, args: args.map(plain) }) + '\\n');
  log(...args);
};
`,
);

const failures = [];
for (const { dir, json } of selected) {
  const started = Date.now();
  try {
    const readme = readReadme(join(root, 'packages', dir, 'README.md'));
    if (tarballGaps.get(json.name).length) throw new Error(`the tarball has no ${tarballGaps.get(json.name).join(', ')}`);
    if (!readme.install) throw new Error('the README shows no `npm install` line');
    if (!readme.install.map(packageName).includes(json.name)) throw new Error(`the install line does not install ${json.name}`);
    const missing = readme.imports.filter((name) => !readme.install.map(packageName).includes(name));
    if (missing.length) throw new Error(`the snippet imports ${missing.join(', ')}, which the install line does not list`);
    install(readme.install);
    stage(dir);
    let output = '';
    if (dir === 'cli') {
      output += run('npx', ['--no-install', 'anydepth', '--version'], project);
      output += run('npx', ['--no-install', 'anydepth', '--help'], project);
      const predict = readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8')
        .split('\n')
        .find((l) => l.startsWith('anydepth predict '));
      if (!predict) throw new Error('the README shows no `anydepth predict` line');
      // The README's predict line, run by the shell as a user would (photos/*.jpg globbed).
      output += run('sh', ['-c', `npx --no-install ${predict}`], project);
      if (readdirSync(join(project, 'depth')).length === 0) throw new Error('anydepth predict wrote nothing');
    } else {
      if (!readme.code) throw new Error('the README has no ```ts snippet');
      const file = join(project, `snippet-${dir}.mjs`);
      writeFileSync(file, ts.transpileModule(readme.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
      const logFile = join(scratch, `logs-${dir}.jsonl`);
      rmSync(logFile, { force: true });
      writeFileSync(logFile, '');
      const r = spawnSync(process.execPath, ['--import', join(scratch, 'capture-logs.mjs'), file], {
        cwd: project,
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...process.env, README_LOG: logFile },
      });
      output = r.stdout + r.stderr;
      if (r.status !== 0) throw new Error(`the snippet exited with ${r.status ?? r.signal}:\n${output}`);
      const logs = readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      // The n-th distinct calling line is the n-th console.log of the README (transpiling keeps their order).
      const lines = [...new Set(logs.map((l) => l.line))].sort((a, b) => a - b);
      if (lines.length !== readme.expected.length)
        throw new Error(`the snippet logged from ${lines.length} places, its README shows ${readme.expected.length} console.log calls`);
      for (const { line, args } of logs) {
        const index = lines.indexOf(line);
        const claim = readme.expected[index];
        // The comment describes the last value printed (`console.log(loss, grad.shape); // [3, 3, 8, 16]`).
        const printed = JSON.stringify(args.at(-1));
        if (claim !== undefined && printed !== JSON.stringify(claim))
          throw new Error(`console.log #${index + 1} printed ${printed}, the README says ${JSON.stringify(claim)}`);
      }
    }
    console.log(`ok   ${json.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures.push(json.name);
    console.log(`FAIL ${json.name}: ${e.stderr ?? ''}${e.message}`);
  }
}
console.log(`readme pack test: ${selected.length - failures.length} passed, ${failures.length} failed (scratch project ${scratch})`);
if (failures.length) process.exit(1);
rmSync(scratch, { recursive: true, force: true });
