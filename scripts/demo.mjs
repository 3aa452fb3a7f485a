#!/usr/bin/env node
// `npm run demo`: the README's main job. Until the end-to-end demo lands it prints the package table.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const rows = readdirSync(join(root, 'packages'))
  .map((d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')))
  .filter((p) => !p.private)
  .map((p) => `| ${p.name.padEnd(24)} | ${p.version.padEnd(7)} | ${p.description} |`);
console.log(['| package                  | version | what it does |', '|---|---|---|', ...rows].join('\n'));
