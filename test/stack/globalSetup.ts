import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStack, STACK_TIME_SCALE } from './helpers';

/**
 * Brings the production stack up the user's way (`npm run -s stack -- up`, its own process) in a fresh state folder,
 * and exports what it printed (TEMPORAL_ADDRESS, WANFLOW_EMULATOR_URL, WANFLOW_UI_URL, WANFLOW_POSTGRES_URL) to the tests.
 */
export default async function globalSetup(): Promise<void> {
  const dir = process.env.WANFLOW_STACK_DIR ?? mkdtempSync(join(tmpdir(), 'wanflow-stack-'));
  process.env.WANFLOW_STACK_DIR = dir;
  const t0 = Date.now();
  const r = await runStack(['up', '--time-scale', String(STACK_TIME_SCALE), '--max-concurrent-jobs', '50'], { timeoutMs: 1_800_000, echo: true });
  if (r.code !== 0) {
    // Jest skips the global teardown when the setup throws: stop what was started here.
    await runStack(['down', '--purge'], { timeoutMs: 180_000 });
    throw new Error(`npm run stack -- up failed (${r.code}):\n${r.stderr}`);
  }
  for (const line of r.stdout.split('\n')) {
    const m = /^export ([A-Z_]+)='(.*)'$/.exec(line.trim());
    if (m) process.env[m[1]!] = m[2]!;
  }
  for (const k of ['TEMPORAL_ADDRESS', 'WANFLOW_EMULATOR_URL', 'WANFLOW_UI_URL', 'WANFLOW_POSTGRES_URL']) {
    if (!process.env[k]) throw new Error(`npm run stack -- up printed no ${k}:\n${r.stdout}`);
  }
  process.env.WANFLOW_STACK_UP_MS = String(Date.now() - t0);
  process.stderr.write(`\n[stack] up in ${((Date.now() - t0) / 1000).toFixed(1)} s: Temporal ${process.env.TEMPORAL_ADDRESS}, state in ${dir}\n`);
}
