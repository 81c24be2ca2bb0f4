/** The README's durability figures are rendered from test/durability/results.json, never retyped. */
import { readFileSync } from 'node:fs';
import { END, README, RESULTS_JSON, renderDurabilityTable, START, withDurabilityTable } from '../../helpers/durabilityReport';

test("the README's durability table is exactly what results.json renders to", () => {
  const readme = readFileSync(README, 'utf8');
  const json = readFileSync(RESULTS_JSON, 'utf8');
  expect(withDurabilityTable(readme, renderDurabilityTable(json))).toBe(readme);
  // Every section's every row is in it, with its measured outcome.
  const sections = JSON.parse(json) as Record<string, { rows: { scenario: string; outcome: string }[] }>;
  const block = readme.slice(readme.indexOf(START), readme.indexOf(END));
  const rows = Object.entries(sections).flatMap(([name, s]) => s.rows.map((r) => `| ${name}: ${r.scenario.replace(/\|/g, '\\|')} |`));
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) expect(block).toContain(r);
});

test('a README whose table was edited by hand does not match', () => {
  const readme = readFileSync(README, 'utf8');
  const json = readFileSync(RESULTS_JSON, 'utf8');
  const edited = readme.replace(/(\| crash: [^|]+\| )(\d+)/, (_m, a: string, n: string) => `${a}${Number(n) + 1}`);
  expect(edited).not.toBe(readme);
  expect(withDurabilityTable(edited, renderDurabilityTable(json))).not.toBe(edited);
});
