import { runQualityCli } from '@anydepth/data-quality/cli';

export const QUALITY_HELP = `Usage: anydepth quality score <files | dataset-root> --dataset <name> --out scores.jsonl [--max-depth 100] [--workers N] [--shard i/n]
       anydepth quality filter scores.jsonl --out kept.txt --report report.md [--chart scores.svg]

Scores depth maps with the Depth Distribution Score and the Gradient Continuity Score (spec data-quality.md),
resumably, and applies the paper's filtering rule. Run 'anydepth quality --help' for every option.
`;

/** `anydepth quality …` is the data-quality package's own CLI, mounted under the main binary. */
export async function runQuality(argv: string[]): Promise<number> {
  return runQualityCli(argv);
}
