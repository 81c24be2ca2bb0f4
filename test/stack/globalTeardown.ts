import { runStack } from './helpers';

/** `npm run stack -- down --purge`: stops every process the stack started and deletes its temporary state. */
export default async function globalTeardown(): Promise<void> {
  const r = await runStack(['down', '--purge'], { timeoutMs: 180_000 });
  if (r.code !== 0) process.stderr.write(`[stack] down failed (${r.code}):\n${r.stderr}\n`);
}
