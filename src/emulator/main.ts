/**
 * Runs the emulator as a process: `tsx src/emulator/main.ts [emulator] [options]` (the same options as
 * `wanflow emulator`; the leading word `emulator` is optional so both spellings work, e.g. in docker-compose).
 */
import { emulatorCommand } from '../commands/emulator';

const args = process.argv.slice(2);
if (args[0] === 'emulator') args.shift();

emulatorCommand()
  .parseAsync(args, { from: 'user' })
  .catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
