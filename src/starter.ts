/**
 * The `wanflow` CLI: run and watch pipelines, approve checkpoints, validate datasets, run the emulator or a worker.
 * Every command has --help with examples.
 */
import { Command, CommanderError } from 'commander';
import { pipelineCommands } from './commands/pipeline';
import { validateCommand } from './commands/validate';
import { sampleCommand } from './commands/sample';
import { emulatorCommand } from './commands/emulator';
import { managementCommands } from './commands/management';

export function buildProgram(): Command {
  const program = new Command('wanflow')
    .description('Take a dataset to a deployed, fine-tuned Wan image-to-video model on Alibaba Cloud Model Studio, durably (Temporal).')
    .showHelpAfterError('(run with --help for usage and examples)')
    .showSuggestionAfterError();
  for (const cmd of pipelineCommands()) program.addCommand(cmd);
  for (const cmd of managementCommands()) program.addCommand(cmd);
  program.addCommand(validateCommand());
  program.addCommand(sampleCommand());
  program.addCommand(emulatorCommand());
  program.addCommand(
    new Command('worker').description('Run a wanflow worker (configured by environment: TEMPORAL_ADDRESS, DASHSCOPE_API_KEY, DASHSCOPE_BASE_URL, ...)').action(async () => {
      // require, not import(): the bin runs these sources through tsx's CommonJS hook, which dynamic import() bypasses.
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { runWorker } = require('./worker') as typeof import('./worker');
      await runWorker();
    }),
  );
  // Every subcommand answers a usage error with the hint and a suggestion, then exits 1.
  for (const cmd of program.commands) cmd.showHelpAfterError('(run with --help for usage and examples)').showSuggestionAfterError();
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`wanflow: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
