import { CliError, UsageError } from './errors.js';
import { EVAL_HELP, runEval } from './commands/eval.js';
import { EXPORT_HELP, runExport } from './commands/export.js';
import { PREDICT_HELP, runPredict } from './commands/predict.js';
import { TRAIN_HELP, runTrain } from './commands/train.js';
import { QUALITY_HELP, runQuality } from './commands/quality.js';
import { registerOnnxCheckpointReader } from '@anydepth/onnx';
import { version } from '../package.json';

/** The version of this package, printed by `anydepth --version`. */
export const VERSION: string = version;

export const HELP = `Usage: anydepth <command> [options]

Commands:
  predict <images...>   predict depth for images and write PNG/NPY/PLY outputs
  train                 train the decoder (procedural scenes or a dataset), resumable
  eval                  zero-shot evaluation on NYUv2, KITTI, ETH3D, ScanNet or DIODE (Table 2 columns)
  export --onnx <file>  export a model to ONNX (+ a check run in onnxruntime-node when installed)
  quality score|filter  Depth Distribution / Gradient Continuity scores and the 20 % filtering rule
  help [command]        show help for a command

Options:
  -h, --help            show this help
  -v, --version         print the version of @anydepth/cli

Run 'anydepth <command> --help' for the options of a command.
`;

type Command = (argv: string[], log: (line: string) => void, error: (line: string) => void) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  predict: { run: runPredict, help: PREDICT_HELP },
  train: { run: runTrain, help: TRAIN_HELP },
  eval: { run: runEval, help: EVAL_HELP },
  export: { run: runExport, help: EXPORT_HELP },
  quality: { run: runQuality, help: QUALITY_HELP },
};

/** The command called `name`, if there is one (own keys only: `constructor` is not a command). */
function commandNamed(name: string | undefined): { run: Command; help: string } | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** Runs the CLI; returns the exit code. Errors print one line to stderr. */
export async function runCli(argv: string[], io: { log?: (s: string) => void; error?: (s: string) => void } = {}): Promise<number> {
  const log = io.log ?? ((s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`));
  const error = io.error ?? ((s: string) => process.stderr.write(`${s}\n`));
  const [command, ...rest] = argv;
  registerOnnxCheckpointReader(); // --weights may be an ONNX model (its initializers), told from the bytes
  try {
    if (!command || command === '-h' || command === '--help') {
      log(HELP);
      return command ? 0 : 2;
    }
    if (command === '-v' || command === '--version') {
      log(VERSION);
      return 0;
    }
    if (command === 'help') {
      log(commandNamed(rest[0])?.help ?? HELP);
      return 0;
    }
    const entry = commandNamed(command);
    if (!entry) throw new UsageError(`unknown command '${command}' (try anydepth --help)`);
    return await entry.run(rest, log, error);
  } catch (e) {
    if (e instanceof CliError) {
      error(`anydepth: ${e.message}`);
      return e.exitCode;
    }
    const err = e as Error & { code?: string };
    if (err.code?.startsWith('ERR_PARSE_ARGS')) {
      error(`anydepth: ${err.message}`);
      return 2;
    }
    error(`anydepth: ${err.message?.split('\n')[0] ?? String(e)}`);
    if (process.env.ANYDEPTH_DEBUG) error(err.stack ?? '');
    return 1;
  }
}
