#!/usr/bin/env node
// `npm test`: builds, typechecks and tests every workspace through turbo, then prints one summary
// line `N passed, N failed` from the vitest JSON reports. Exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const workspaces = ['packages', 'examples']
  .filter((d) => existsSync(join(root, d)))
  .flatMap((d) => readdirSync(join(root, d)).map((name) => join(root, d, name)));
for (const ws of workspaces) rmSync(join(ws, 'test-results.json'), { force: true });

const started = Date.now();
// Format and lint first (Biome, biome.json): seconds, and a failure here is cheap to fix (`npm run format` rewrites the
// files, `npm run check` shows what is left).
const lint = spawnSync('npx', ['biome', 'check', '.'], { cwd: root, stdio: 'inherit' });
if (lint.status !== 0) console.log('\nbiome check failed: run `npm run format`, then `npm run check` for the lint diagnostics');
const turbo = spawnSync('npx', ['turbo', 'run', 'build', 'typecheck', 'test', '--concurrency=2', '--output-logs=full', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const ws of workspaces) {
  const file = join(ws, 'test-results.json');
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numFailedTestSuites ?? 0) - (r.numFailedTests ? 0 : 0);
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  rows.push(`  ${ws.slice(root.length + 1).padEnd(34)} ${String(r.numPassedTests).padStart(4)} passed ${String(r.numFailedTests).padStart(3)} failed`);
}
console.log(`\nTest summary (${((Date.now() - started) / 1000).toFixed(0)} s):\n${rows.join('\n')}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
console.log(`format + lint: ${lint.status === 0 ? 'passed' : 'FAILED'}`);
process.exit(lint.status !== 0 || turbo.status !== 0 || failed > 0 ? 1 : 0);
