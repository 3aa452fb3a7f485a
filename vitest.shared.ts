import type { UserConfig } from 'vitest/config';

/** Shared vitest settings: long timeouts for numeric tests on 2-core machines, JSON results for the summary. */
export const baseTestConfig: UserConfig = {
  test: {
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
};
