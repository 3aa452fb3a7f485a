// The runnable parts of a package README, read from the README itself so tests never run a hand copy:
//   - the install line: the first `npm install …` line of a ```sh block,
//   - the snippet: the first ```ts block,
//   - the expected output: `console.log(…); // <value>` comments whose value parses as data.
// Used by packages' readme tests (run from source) and by scripts/readme-pack-test.mjs (run from tarballs).
import { readFileSync } from 'node:fs';

/** The fenced blocks of a markdown document, in order: `{ lang, code }`. */
export function fencedBlocks(markdown) {
  const blocks = [];
  const re = /^```(\w*)[^\n]*\n([\s\S]*?)^```\s*$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) blocks.push({ lang: m[1], code: m[2] });
  return blocks;
}

/** The package names of the first `npm install` line (flags such as `-g` dropped), or null when there is none. */
export function installLine(markdown) {
  for (const { lang, code } of fencedBlocks(markdown)) {
    if (lang !== 'sh' && lang !== 'bash') continue;
    const line = code.split('\n').find((l) => /^npm (install|i) /.test(l.trim()));
    if (line)
      return line
        .trim()
        .split(/\s+/)
        .slice(2)
        .filter((a) => !a.startsWith('-'));
  }
  return null;
}

/** The first ```ts block, or null. */
export function snippet(markdown) {
  return fencedBlocks(markdown).find((b) => b.lang === 'ts')?.code ?? null;
}

/** The package an import specifier belongs to: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; null for node: builtins and relative paths. */
export function packageOf(specifier) {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The packages a snippet imports (static `import … from` and side-effect `import '…'`). */
export function importedPackages(code) {
  const names = new Set();
  for (const m of code.matchAll(/^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    const name = packageOf(m[1]);
    if (name) names.add(name);
  }
  return [...names];
}

/** A version-less package spec (`@tensorflow/tfjs-core@^4.22.0` → `@tensorflow/tfjs-core`). */
export function packageName(spec) {
  const at = spec.indexOf('@', 1);
  return at > 0 ? spec.slice(0, at) : spec;
}

/**
 * What each `console.log(…); // value` line of the snippet claims it prints (its last argument), in order,
 * where the comment is data: a JSON-like array, number, boolean or quoted string, optionally after a type name
 * (`// Float32Array [2.5, 1, 4]`, `// ['a', 'b']`). Comments that are prose give `undefined`.
 */
export function expectedLogs(code) {
  const out = [];
  for (const line of code.split('\n')) {
    const m = /^\s*console\.log\(.*\);\s*\/\/\s*(.+)$/.exec(line);
    if (!/^\s*console\.log\(/.test(line)) continue;
    if (!m) {
      out.push(undefined);
      continue;
    }
    const text = m[1].replace(/^[A-Z]\w*(?=\s*\[)\s*/, '').replace(/'/g, '"');
    try {
      out.push(JSON.parse(text));
    } catch {
      out.push(undefined);
    }
  }
  return out;
}

/** Everything above for one README file. */
export function readReadme(path) {
  const markdown = readFileSync(path, 'utf8');
  const code = snippet(markdown);
  return { install: installLine(markdown), code, imports: code ? importedPackages(code) : [], expected: code ? expectedLogs(code) : [] };
}
