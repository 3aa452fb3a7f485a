import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Recursively lists files under `root` (sorted, deterministic). Symlinked directories are followed, but each real
 * directory is walked once (a visited set of real paths), so self-links and link cycles cannot loop and two links to
 * one folder do not list its files twice: the first path in sorted order wins.
 */
export function walkFiles(root: string, accept: (rel: string) => boolean): string[] {
  const out: string[] = [];
  const visited = new Set<string>();
  const visit = (dir: string): void => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      return;
    }
    if (visited.has(real)) return;
    visited.add(real);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && safeIsDir(p))) visit(p);
      else {
        const rel = relative(root, p).split(sep).join('/');
        if (accept(rel)) out.push(p);
      }
    }
  };
  visit(root);
  return out;
}

function safeIsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Reads a list file: non-empty, non-comment lines split on whitespace. */
export function readListFile(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));
}

export function exists(p: string): boolean {
  return existsSync(p);
}

/** Forward-slash relative path. */
export function rel(root: string, p: string): string {
  return relative(root, p).split(sep).join('/');
}
