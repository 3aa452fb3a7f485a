#!/usr/bin/env node
import { runQualityCli } from './cli.js';

runQualityCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`anydepth-quality: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
