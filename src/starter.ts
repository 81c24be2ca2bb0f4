/**
 * The `wanflow` CLI: run and watch pipelines, approve checkpoints, validate datasets, run the emulator or a worker.
 * Every command has --help with examples.
 */
import { Command } from 'commander';
import { pipelineCommands } from './commands/pipeline';
import { validateCommand } from './commands/validate';
import { sampleCommand } from './commands/sample';
import { emulatorCommand } from './commands/emulator';
import { managementCommands } from './commands/management';
import { setupCommand } from './commands/setup';
import { reportCliError } from './commands/errors';
import { reviewCommand } from './commands/review';

export function buildProgram(): Command {
  const program = new Command('wanflow')
    .description('Take a dataset to a deployed, fine-tuned Wan image-to-video model on Alibaba Cloud Model Studio, durably (Temporal).')
    .showHelpAfterError('(run with --help for usage and examples)')
    .showSuggestionAfterError();
  for (const cmd of pipelineCommands()) program.addCommand(cmd);
  for (const cmd of managementCommands()) program.addCommand(cmd);
  program.addCommand(setupCommand());
  program.addCommand(reviewCommand());
  program.addCommand(validateCommand());
  program.addCommand(sampleCommand());
  program.addCommand(emulatorCommand());
  program.addCommand(
    new Command('worker')
      .addHelpText('after', () => `\n${(require('./worker') as typeof import('./worker')).WORKER_HELP.split('\n').slice(2).join('\n')}`).description('Run a wanflow worker (configured by environment: DASHSCOPE_API_KEY, DASHSCOPE_BASE_URL, TEMPORAL_ADDRESS or TEMPORAL_PROFILE, ...; see the README)').action(async () => {
      // require, not import(): the bin runs these sources through tsx's CommonJS hook, which dynamic import() bypasses.
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { runWorker } = require('./worker') as typeof import('./worker');
      await runWorker();
      process.exit(0); // stopped by SIGINT/SIGTERM after a graceful shutdown: do not wait on stray handles
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
    process.exitCode = reportCliError(err); // the cause chain, the server's reason and what to do next
  }
}

if (require.main === module) void main();
