import { Command, InvalidArgumentError, Option } from 'commander';
import { generateSampleDataset } from '../dataset';
import type { CommandOutput } from './validate';

const parseSamples = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 10_000) throw new InvalidArgumentError('expected an integer from 1 to 10000');
  return n;
};

/** `wanflow sample --mode i2v|kf2v [--kind training|validation] [--samples 12] --out <dir>`; prints the zip's path. */
export function sampleCommand(output: CommandOutput = {}): Command {
  const out = output.out ?? ((t: string) => void process.stdout.write(t));
  const err = output.err ?? ((t: string) => void process.stderr.write(t));
  return new Command('sample')
    .description('Write a small valid dataset zip built from real media, for trying the pipeline')
    .addOption(new Option('--mode <mode>', 'first frame (i2v) or first and last frame (kf2v)').choices(['i2v', 'kf2v']).makeOptionMandatory())
    .addOption(new Option('--kind <kind>', 'training set (with videos) or validation set').choices(['training', 'validation']).default('training'))
    .option('--samples <n>', 'number of samples', parseSamples, 12)
    .requiredOption('--out <dir>', 'output directory')
    .addHelpText('after', '\nExamples:\n  wanflow sample --mode i2v --out ./data\n  wanflow sample --mode kf2v --kind validation --samples 5 --out ./data')
    .action(async (options: { mode: 'i2v' | 'kf2v'; kind: 'training' | 'validation'; samples: number; out: string }) => {
      try {
        const result = await generateSampleDataset({ dir: options.out, mode: options.mode, kind: options.kind, samples: options.samples });
        out(`${result.path}\n`);
      } catch (e) {
        err(`error: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
