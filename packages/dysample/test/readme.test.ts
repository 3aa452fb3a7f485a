import { rmSync, writeFileSync } from 'node:fs';
import { afterEach, expect, it, vi } from 'vitest';
import { readReadme } from '../../../scripts/readme-snippets.mjs';

const readme = readReadme(new URL('../README.md', import.meta.url).pathname);
// Written next to this test so that vite transforms it and resolves its imports like the test's own.
const snippetFile = new URL('./readme-snippet.generated.ts', import.meta.url).pathname;
afterEach(() => rmSync(snippetFile, { force: true }));

const plain = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v);

it('the README snippet runs and prints what its comments say', async () => {
  expect(readme.code).toBeTruthy();
  expect(readme.install, 'every package imported by the snippet is on the install line').toEqual(expect.arrayContaining(readme.imports));
  writeFileSync(snippetFile, readme.code ?? '');
  const logs: unknown[][] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args));
  try {
    await import(/* @vite-ignore */ snippetFile);
  } finally {
    spy.mockRestore();
  }
  expect(logs.length).toBe(readme.expected.length);
  const claimed = readme.expected.map((value, i) => [value, plain(logs[i].at(-1))]).filter(([value]) => value !== undefined);
  expect(claimed.length, 'the snippet states its outputs').toBe(3);
  for (const [value, logged] of claimed) expect(logged).toEqual(value);
});
