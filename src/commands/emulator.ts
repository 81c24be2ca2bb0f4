/** `wanflow emulator`: runs the Model Studio emulator in the foreground. */
import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { EMULATOR_DEFAULT_API_KEY, startEmulator } from '../emulator';
import type { FaultConfig } from '../emulator/faults';

const num = (name: string, min: number, max = Infinity) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number between ${min} and ${max}.`);
  return n;
};
const int = (name: string, min: number) => (v: string) => {
  const n = num(name, min)(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer.`);
  return n;
};

export function emulatorCommand(): Command {
  return new Command('emulator')
    .description('Run the Model Studio (DashScope) emulator: fine-tuning, deployments, files and video synthesis, with emulated time')
    .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one; env WANFLOW_EMULATOR_PORT)').default(process.env.WANFLOW_EMULATOR_PORT ? Number(process.env.WANFLOW_EMULATOR_PORT) : 8089).argParser(int('--port', 0)))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .addOption(new Option('--time-scale <n>', 'emulated durations are divided by n (600: an emulated hour takes 6 s)').default(600).argParser(num('--time-scale', 0.001)))
    .option('--data-dir <dir>', 'state directory (reuse it to resume)', path.join('.data', 'emulator'))
    .option('--api-key <key>', 'accepted API key (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .addOption(new Option('--max-concurrent-jobs <n>', 'fine-tune jobs running at once').default(1).argParser(int('--max-concurrent-jobs', 1)))
    .addOption(new Option('--max-jobs-per-account <n>', 'jobs running or succeeded allowed per account ("Only 20 fine-tune job …", 429)').default(20).argParser(int('--max-jobs-per-account', 1)))
    .option('--extra-progress', 'EXTRA beyond the documented API: write `epoch … step … loss` log lines and output.progress on running jobs (off: documented lines only)')
    .addOption(new Option('--fault-rate-429 <rate>', 'share of requests answered 429 Throttling').argParser(num('--fault-rate-429', 0, 1)))
    .addOption(new Option('--fault-rate-500 <rate>', 'share of requests answered 500 InternalError').argParser(num('--fault-rate-500', 0, 1)))
    .addOption(new Option('--fault-rate-reset <rate>', 'share of requests whose connection is reset').argParser(num('--fault-rate-reset', 0, 1)))
    .addOption(new Option('--fault-rate-lost <rate>', 'share of state-changing requests performed but never answered').argParser(num('--fault-rate-lost', 0, 1)))
    .addOption(new Option('--slow-ms <ms>', 'delay every customer request by ms').argParser(int('--slow-ms', 0)))
    .addHelpText('after', '\nExamples:\n  $ wanflow emulator --port 8089 --time-scale 600 --data-dir .data/emulator\n  $ wanflow emulator --fault-rate-429 0.1 --fault-rate-reset 0.05 --api-key sk-test\n')
    .action(async (o: { port: number; host: string; timeScale: number; dataDir: string; apiKey?: string[]; maxConcurrentJobs: number; maxJobsPerAccount: number; extraProgress?: boolean; faultRate429?: number; faultRate500?: number; faultRateReset?: number; faultRateLost?: number; slowMs?: number }) => {
      const faults: FaultConfig = { rate429: o.faultRate429, rate500: o.faultRate500, rateReset: o.faultRateReset, rateLost: o.faultRateLost, slowMs: o.slowMs };
      const emu = await startEmulator({ port: o.port, host: o.host, timeScale: o.timeScale, dataDir: path.resolve(o.dataDir), apiKeys: o.apiKey, maxConcurrentJobs: o.maxConcurrentJobs, maxJobsPerAccount: o.maxJobsPerAccount, extraProgress: o.extraProgress, faults });
      process.stdout.write(`Model Studio emulator listening at ${emu.url} (time scale ${o.timeScale}, data in ${path.resolve(o.dataDir)})${emu.service.opts.extraProgress ? '; EXTRA progress lines on (beyond the documented API)' : ''}\n`);
      process.stdout.write(`Accepted API key${emu.apiKeys.length > 1 ? 's' : ''}: ${emu.apiKeys.join(', ')}${emu.apiKeys.includes(EMULATOR_DEFAULT_API_KEY) ? ' (the default)' : ''}\n`);
      process.stdout.write(`Admin API: ${emu.url}/__emulator/state · Ctrl-C to stop\n`);
      const stop = () => {
        void emu.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
