/**
 * The flags every model-running command (predict, eval, export) takes, declared once for `parseArgs`:
 * `--weights` (repeatable: a model file, or shards), `--backend` (default `auto`) and `-h` / `--help`.
 */
export const MODEL_COMMAND_OPTIONS = {
  weights: { type: 'string', multiple: true },
  backend: { type: 'string', default: 'auto' },
  help: { type: 'boolean', short: 'h' },
} as const;
