export interface FencedBlock {
  lang: string;
  code: string;
}
export function fencedBlocks(markdown: string): FencedBlock[];
export function installLine(markdown: string): string[] | null;
export function snippet(markdown: string): string | null;
export function packageOf(specifier: string): string | null;
export function importedPackages(code: string): string[];
export function packageName(spec: string): string;
export function expectedLogs(code: string): unknown[];
export function readReadme(path: string): { install: string[] | null; code: string | null; imports: string[]; expected: unknown[] };
