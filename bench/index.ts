/**
 * `npm run bench <name> [-- flags]`: runs bench/<name>.ts (its default export, an async function).
 * `npm run bench` (no name): every benchmark in order: history, api, scale, upload (the rest, if any, after them).
 * Example: `npm run bench upload`, `npm run bench scale -- --pipelines 20`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const RUNNABLE = (f: string) => f.endsWith('.ts') && !['index.ts'].includes(f) && !f.startsWith('_');
const ORDER = ['history', 'api', 'scale', 'upload'];

async function runOne(name: string, args: string[]): Promise<void> {
  const mod = (await import(join(__dirname, `${name}.ts`))) as { default?: (args: string[]) => Promise<void> };
  if (typeof mod.default !== 'function') throw new Error(`bench/${name}.ts has no default export`);
  await mod.default(args);
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (name === '--help' || name === '-h') {
    process.stdout.write(`usage: npm run bench [name] [-- flags]   (no name: every benchmark, in order ${ORDER.join(', ')})\n  available: ${readdirSync(__dirname).filter(RUNNABLE).map((f) => f.replace(/\.ts$/, '')).join(', ')}\n  example:   npm run bench upload\n`);
    return;
  }
  const available = readdirSync(__dirname).filter(RUNNABLE).map((f) => f.replace(/\.ts$/, ''));
  if (name === undefined || name.startsWith('--')) {
    const all = [...ORDER.filter((n) => available.includes(n)), ...available.filter((n) => !ORDER.includes(n)).sort()];
    for (const n of all) {
      process.stdout.write(`\n=== bench ${n} ===\n`);
      await runOne(n, process.argv.slice(2));
    }
    return;
  }
  if (!name || !/^[a-z0-9-]+$/i.test(name) || !existsSync(join(__dirname, `${name}.ts`)) || !available.includes(name)) {
    process.stderr.write(`usage: npm run bench [name]   (no name: all, in order ${ORDER.join(', ')})\n  available: ${available.join(', ') || '(none)'}\n  example:   npm run bench upload\n`);
    process.exit(1);
  }
  await runOne(name, process.argv.slice(3));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
