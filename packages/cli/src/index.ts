export { runCli, HELP } from './main.js';
export { CliError, UsageError } from './errors.js';
export { Progress, formatSeconds } from './progress.js';
