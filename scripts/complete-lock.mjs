#!/usr/bin/env node
// The npm registry this project's machines reach serves only the native packages of their own
// platform, so `npm install` writes a package-lock.json without rollup's and turbo's binaries for other
// platforms, and `npm ci` then refuses that lock as "out of sync". This adds the missing entries with the
// version and the os/cpu/libc read from the package name, so npm ci validates the lock and skips them as
// platform-mismatched optional packages. Run it after `npm install` changes the lock.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** os / cpu / libc from names like @rollup/rollup-linux-arm64-musl or turbo-windows-64. */
function platformOf(name) {
  const tokens = name.split('/').pop().split('-');
  const os = {
    android: 'android',
    darwin: 'darwin',
    linux: 'linux',
    freebsd: 'freebsd',
    openbsd: 'openbsd',
    openharmony: 'openharmony',
    win32: 'win32',
    windows: 'win32',
  };
  const cpu = { arm: 'arm', arm64: 'arm64', x64: 'x64', 64: 'x64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x' };
  const out = {};
  for (const t of tokens) {
    if (os[t] && !out.os) out.os = [os[t]];
    else if (cpu[t] && !out.cpu) out.cpu = [cpu[t]];
    else if (t === 'gnu' || t === 'gnueabihf') out.libc = ['glibc'];
    else if (t === 'musl' || t === 'musleabihf') out.libc = ['musl'];
  }
  if (!out.os || !out.cpu) throw new Error(`complete-lock: cannot tell the platform of ${name}`);
  return out;
}

const path = resolve(import.meta.dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    // Resolution: next to the dependent first, then hoisted to the root.
    const base = key === '' ? '' : `${key}/`;
    const candidates = [`${base}node_modules/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => packages[c])) continue;
    const record = { version, dev: entry.dev || undefined, optional: true, ...platformOf(dep) };
    packages[`node_modules/${dep}`] = JSON.parse(JSON.stringify(record));
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lock: added ${added} platform-specific optional package entr${added === 1 ? 'y' : 'ies'}`);
