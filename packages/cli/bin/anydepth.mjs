#!/usr/bin/env node
// The committed `anydepth` bin target. npm links a workspace bin only if its target exists at install time,
// and dist/ does not exist yet on a clean clone (`npm ci` runs before `npm run build`), so the link points
// here and this file loads the built CLI.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('anydepth: the CLI is not built yet (no dist/bin.js in @anydepth/cli); run `npm run build` in the repository root first\n');
  process.exit(1);
}
await import(built.href);
