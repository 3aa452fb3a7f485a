#!/usr/bin/env node
// The committed `anydepth-quality` bin target (a thin alias of `anydepth quality` from @anydepth/cli). npm links
// a workspace bin only if its target exists at install time, and dist/ does not exist yet on a clean clone, so
// the link points here and this file loads the built CLI.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('anydepth-quality: not built yet (no dist/bin.js in @anydepth/data-quality); run `npm run build` in the repository root first\n');
  process.exit(1);
}
await import(built.href);
