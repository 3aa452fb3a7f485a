// Compiles packages/*/src/wasm/*.wat with wabt and writes each as a base64 TypeScript module next to it
// (<name>-wasm.ts), so the published packages need no wasm toolchain and no file loading. Run after editing a .wat:
// npm run wasm. Each package's tests check that its embedded modules are the compiled .wat sources.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages');

/**
 * Post-MVP features the sources may use beyond wabt's defaults (SIMD, multi-value, bulk memory): threads, for a
 * shared imported memory and atomics. Relaxed SIMD only in the FMA variants (see `fmaVariant`).
 */
const FEATURES = { threads: true };
const FMA_FEATURES = { threads: true, relaxed_simd: true };

/** A source line that asks for an FMA variant of the module beside the plain-SIMD one. */
export const FMA_MARKER = ';; build: also an FMA variant';

/**
 * The FMA variant of a source: every `(f32x4.add (local.get $acc) (f32x4.mul (local.get $a) (local.get $b)))`
 * becomes `(f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $acc))`. One source for both keeps them
 * from drifting apart; the engine loads the variant only where it validates (relaxed SIMD: Chrome 114+,
 * Firefox 145+, Node 20 with V8's --experimental-wasm-relaxed-simd, Node 22+).
 */
export function fmaVariant(source) {
  let count = 0;
  const out = source.replace(/\(f32x4\.add \(local\.get (\$\w+)\) \(f32x4\.mul \(local\.get (\$\w+)\) \(local\.get (\$\w+)\)\)\)/g, (_, acc, a, b) => {
    count++;
    return `(f32x4.relaxed_madd (local.get ${a}) (local.get ${b}) (local.get ${acc}))`;
  });
  if (count === 0) throw new Error('fmaVariant: the source has no accumulate-multiply to fuse');
  return out;
}

/** A source line that asks for a variant importing an unshared memory (the single-threaded tfjs backend's). */
export const UNSHARED_MARKER = ';; build: also an unshared-memory variant';

const SHARED_IMPORT = '(import "env" "memory" (memory 1 65536 shared))';

/** The variant of a source that imports a plain (unshared) memory of any size instead of a shared one. */
export function unsharedVariant(source) {
  if (!source.includes(SHARED_IMPORT)) throw new Error(`unsharedVariant: the source does not import ${SHARED_IMPORT}`);
  return source.replace(SHARED_IMPORT, '(import "env" "memory" (memory 1))');
}

/** A comment line right before a `(func $name …` that asks for every call of it to be inlined at build time. */
export const INLINE_MARKER = ';; build: inline';

/** S-expressions of a .wat text (comments dropped): atoms are strings, lists are arrays. */
function parseWat(text) {
  const tokens = text
    .replace(/\(;[\s\S]*?;\)/g, ' ')
    .replace(/;;[^\n]*/g, ' ')
    .match(/"(?:[^"\\]|\\.)*"|[()]|[^\s()"]+/g);
  const stack = [[]];
  for (const t of tokens ?? []) {
    if (t === '(') stack.push([]);
    else if (t === ')') {
      const list = stack.pop();
      if (stack.length === 0) throw new Error('parseWat: unbalanced ")"');
      stack.at(-1).push(list);
    } else stack.at(-1).push(t);
  }
  if (stack.length !== 1) throw new Error('parseWat: unbalanced "("');
  return stack[0];
}

const printWat = (node) => (Array.isArray(node) ? `(${node.map(printWat).join(' ')})` : node);

/** A copy of `node` with every atom that `rename` maps replaced. */
const renamed = (node, rename) => (Array.isArray(node) ? node.map((n) => renamed(n, rename)) : (rename.get(node) ?? node));

/**
 * Inlines every call of the functions marked with `INLINE_MARKER`: `(call $f a b …)` becomes a block that sets
 * fresh caller locals to the arguments and runs `$f`'s body on its renamed params and locals, leaving its results.
 * V8 before 12 (Node 20) does not inline wasm calls, and a call passing six v128 values and returning six cost the
 * Winograd transforms a third of their time. Marked functions must be free of `return` and branches (they may
 * call other marked functions, which are inlined in turn); their definitions stay (unused) in the module.
 */
export function inlineMarked(source) {
  const marked = new Set([...source.matchAll(/;; build: inline\s*\n\s*\(func (\$[\w.]+)/g)].map((m) => m[1]));
  if (marked.size === 0) return source;
  const [module] = parseWat(source);
  const funcs = new Map();
  for (const item of module) {
    if (!Array.isArray(item) || item[0] !== 'func' || !marked.has(item[1])) continue;
    const params = [];
    const locals = [];
    const results = [];
    let i = 2;
    for (; i < item.length && Array.isArray(item[i]) && ['param', 'result', 'local'].includes(item[i][0]); i++) {
      const [kind, name, type] = item[i];
      if (kind === 'result') results.push(...item[i].slice(1));
      else if (!name?.startsWith('$') || type === undefined || item[i].length !== 3)
        throw new Error(`inlineMarked: ${item[1]}: name each ${kind} (one per clause)`);
      else (kind === 'param' ? params : locals).push([name, type]);
    }
    const body = item.slice(i);
    // Inlined locals keep their values across calls (a call zeroes them): each must be set before it is read.
    const set = new Set();
    const visit = (node) => {
      if (!Array.isArray(node)) return;
      node.slice(1).forEach(visit);
      if (node[0] === 'local.set' || node[0] === 'local.tee') set.add(node[1]);
      else if (node[0] === 'local.get' && locals.some(([n]) => n === node[1]) && !set.has(node[1]))
        throw new Error(`inlineMarked: ${item[1]} reads local ${node[1]} before setting it`);
    };
    body.forEach(visit);
    if (JSON.stringify(body).match(/"(return|br|br_if|br_table)"/)) throw new Error(`inlineMarked: ${item[1]} branches or returns; it cannot be inlined`);
    funcs.set(item[1], { params, locals, results, body });
  }
  for (const name of marked) if (!funcs.has(name)) throw new Error(`inlineMarked: no function ${name}`);
  let site = 0;
  let depth = 0;
  for (const item of module) {
    if (!Array.isArray(item) || item[0] !== 'func') continue;
    const added = [];
    const expand = (node) => {
      if (!Array.isArray(node)) return node;
      const expanded = node.map(expand);
      if (expanded[0] !== 'call' || !funcs.has(expanded[1])) return expanded;
      const f = funcs.get(expanded[1]);
      const args = expanded.slice(2);
      if (args.length !== f.params.length) throw new Error(`inlineMarked: ${expanded[1]} takes ${f.params.length} arguments, a call passes ${args.length}`);
      site++;
      const rename = new Map([...f.params, ...f.locals].map(([n]) => [n, `$inl${site}_${n.slice(1)}`]));
      for (const [n, type] of [...f.params, ...f.locals]) added.push(['local', rename.get(n), type]);
      const sets = f.params.map(([n], k) => ['local.set', rename.get(n), args[k]]);
      // A marked function calling another marked one has those calls inlined in turn (a marked function cannot
      // call itself: its body would never be free of the call).
      if (depth++ > funcs.size) throw new Error(`inlineMarked: ${expanded[1]} calls itself through marked functions`);
      const body = renamed(f.body, rename).map(expand);
      depth--;
      return ['block', ...(f.results.length ? [['result', ...f.results]] : []), ...sets, ...body];
    };
    let head = 2;
    while (head < item.length && Array.isArray(item[head]) && ['export', 'param', 'result', 'local'].includes(item[head][0])) head++;
    const body = item.slice(head).map(expand);
    item.splice(head, item.length - head, ...added, ...body);
  }
  return module.length
    ? `(module\n${module
        .slice(1)
        .map((n) => `  ${printWat(n)}`)
        .join('\n')}\n)\n`
    : source;
}

/** The binary of a .wat source (no names section: the output depends on the source only). */
export async function compileWat(name, source, { fma = false, unshared = false } = {}) {
  const wabt = await initWabt();
  const features = fma ? FMA_FEATURES : FEATURES;
  const variant = unshared ? unsharedVariant(source) : source;
  const module = wabt.parseWat(name, inlineMarked(fma ? fmaVariant(variant) : variant), features);
  try {
    module.validate(features);
    return new Uint8Array(module.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

/**
 * The TypeScript module embedding a binary: one base64 string on one line. A blob is data, not code, so it is
 * not wrapped into lines a reader would scan (or a duplicate finder would pair between a module and its variant).
 */
export function moduleSource(watName, bytes) {
  const b64 = Buffer.from(bytes).toString('base64');
  return `// Generated by scripts/build-wasm.mjs from ${watName}: do not edit (edit the .wat and run \`npm run wasm\` at the repository root).
export const ${watName.replace(/\.wat$/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase())}WasmBase64 =
  '${b64}';
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const pkg of readdirSync(packages)) {
    const dir = join(packages, pkg, 'src', 'wasm');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.wat'))) {
      const source = readFileSync(join(dir, f), 'utf8');
      const bytes = await compileWat(f, source);
      writeFileSync(join(dir, f.replace(/\.wat$/, '-wasm.ts')), moduleSource(f, bytes));
      console.log(`packages/${pkg}/src/wasm/${f} → ${f.replace(/\.wat$/, '-wasm.ts')} (${bytes.length} bytes)`);
      if (source.includes(UNSHARED_MARKER)) {
        const name = f.replace(/\.wat$/, '-unshared.wat');
        const bytes = await compileWat(f, source, { unshared: true });
        writeFileSync(
          join(dir, name.replace(/\.wat$/, '-wasm.ts')),
          moduleSource(name, bytes).replace(`from ${name}`, `from ${f} (its unshared-memory variant)`),
        );
        console.log(`packages/${pkg}/src/wasm/${f} → ${name.replace(/\.wat$/, '-wasm.ts')} (unshared memory, ${bytes.length} bytes)`);
      }
      if (!source.includes(FMA_MARKER)) continue;
      const fmaName = f.replace(/\.wat$/, '-fma.wat');
      const fmaBytes = await compileWat(f, source, { fma: true });
      writeFileSync(
        join(dir, fmaName.replace(/\.wat$/, '-wasm.ts')),
        moduleSource(fmaName, fmaBytes).replace(`from ${fmaName}`, `from ${f} (its FMA variant)`),
      );
      console.log(`packages/${pkg}/src/wasm/${f} → ${fmaName.replace(/\.wat$/, '-wasm.ts')} (FMA, ${fmaBytes.length} bytes)`);
    }
  }
}
