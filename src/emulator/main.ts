/** Runs the emulator as a process: `tsx src/emulator/main.ts [wanflow emulator options]`. */
import { emulatorCommand } from '../commands/emulator';

emulatorCommand()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
