/**
 * `npm run bench <name>`: runs bench/<name>.ts (its default export, an async function).
 * Example: `npm run bench upload`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const RUNNABLE = (f: string) => f.endsWith('.ts') && !['index.ts'].includes(f) && !f.startsWith('_');

async function main(): Promise<void> {
  const name = process.argv[2];
  const available = readdirSync(__dirname).filter(RUNNABLE).map((f) => f.replace(/\.ts$/, ''));
  if (!name || !/^[a-z0-9-]+$/i.test(name) || !existsSync(join(__dirname, `${name}.ts`)) || !available.includes(name)) {
    process.stderr.write(`usage: npm run bench <name>\n  available: ${available.join(', ') || '(none)'}\n  example:   npm run bench upload\n`);
    process.exit(1);
  }
  const mod = (await import(join(__dirname, `${name}.ts`))) as { default?: (args: string[]) => Promise<void> };
  if (typeof mod.default !== 'function') throw new Error(`bench/${name}.ts has no default export`);
  await mod.default(process.argv.slice(3));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
