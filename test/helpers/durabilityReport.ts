/**
 * The README's durability table, rendered from test/durability/results.json (written by the durability suite's last
 * run), never typed by hand. publishResults re-renders it after every section it writes; test/unit/project checks
 * that the README holds exactly what results.json renders to.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from './outcomes';
import type { ScenarioRow } from './durability';

export const README = join(__dirname, '..', '..', 'README.md');
const RESULTS_JSON = join(__dirname, '..', 'durability', 'results.json');
export const START = '<!-- durability-table:start (rendered from test/durability/results.json; do not edit) -->';
export const END = '<!-- durability-table:end -->';


/** The table (and the run dates) from a results.json text. */
export function renderDurabilityTable(resultsJson: string): string {
  const sections = JSON.parse(resultsJson) as Record<string, { writtenAt: string; rows: ScenarioRow[] }>;
  const names = Object.keys(sections).sort();
  const rows = names.flatMap((name) =>
    sections[name].rows.map((r) => [
      `${name}: ${r.scenario}`,
      r.pipelines,
      r.crashes,
      r.faults,
      r.retries,
      r.duplicates,
      r.extraTasks,
      r.orphans,
      `${(r.wallMs / 1000).toFixed(1)} s`,
      r.outcome,
    ]),
  );
  const table = markdownTable(['scenario', 'pipelines', 'crashes', 'faults', 'activity retries', 'duplicates', 'extra video tasks', 'orphans', 'wall time', 'outcome'], rows);
  const dates = names.map((n) => `${n} ${sections[n].writtenAt}`).join(', ');
  return `${table}\n\nRuns: ${dates}. Notes and per-call retries: [test/durability/results.md](test/durability/results.md).`;
}

/** The README text with its durability block replaced by `rendered`; throws when the markers are missing. */
export function withDurabilityTable(readme: string, rendered: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no durability table markers (${START} … ${END})`);
  return `${readme.slice(0, a + START.length)}\n${rendered}\n${readme.slice(b)}`;
}

/** Re-renders the README's table from results.json (no-op without results.json). */
export function writeReadmeDurabilityTable(): void {
  if (!existsSync(RESULTS_JSON)) return;
  const readme = readFileSync(README, 'utf8');
  const next = withDurabilityTable(readme, renderDurabilityTable(readFileSync(RESULTS_JSON, 'utf8')));
  if (next !== readme) writeFileSync(README, next);
}

export { RESULTS_JSON };
