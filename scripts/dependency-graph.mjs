#!/usr/bin/env node
// The @anydepth dependency graph drawn from what each package's src/ actually imports (static and dynamic),
// printed as `package ◄ what it imports`, lowest layer first. With --check it also fails when a package.json's
// @anydepth dependencies differ from those imports (a missing one breaks the published package, an unused one
// makes every user install it). Usage: node scripts/dependency-graph.mjs [--check]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

const packages = readdirSync(packagesDir)
  .map((dir) => ({ dir, json: JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private);

const graph = new Map();
for (const { dir, json } of packages) {
  const imports = new Set();
  for (const file of sourceFiles(join(packagesDir, dir, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](@anydepth\/[a-z0-9-]+)/g)) {
      if (m[1] !== json.name) imports.add(m[1]);
    }
  }
  graph.set(json.name, [...imports].sort());
}

// Layers: a package sits one above the highest package it imports.
const layer = new Map();
const depth = (name) => {
  if (!layer.has(name)) layer.set(name, Math.max(-1, ...graph.get(name).map(depth)) + 1);
  return layer.get(name);
};
const order = [...graph.keys()].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
const short = (name) => name.replace('@anydepth/', '');
for (const name of order) {
  const deps = graph.get(name);
  console.log(`${short(name).padEnd(13)} ◄ ${deps.length ? deps.map(short).join(', ') : '(no @anydepth dependency)'}`);
}

if (process.argv.includes('--check')) {
  const problems = [];
  for (const { json } of packages) {
    const declared = Object.keys({ ...json.dependencies, ...json.peerDependencies }).filter((d) => d.startsWith('@anydepth/'));
    const imported = graph.get(json.name);
    for (const d of imported) if (!declared.includes(d)) problems.push(`${json.name} imports ${d} but does not depend on it`);
    for (const d of declared) if (!imported.includes(d)) problems.push(`${json.name} depends on ${d} but never imports it`);
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log('package.json dependencies match the imports');
}
