/** The supported Node lines are stated once per place that needs them, and the places agree. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };

/** package.json engines is a single lower bound (`>=22.12.0`): the majors it admits. */
function admits(major: number): boolean {
  const m = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.node);
  if (!m) throw new Error(`engines.node ${pkg.engines.node} is not a plain >= bound`);
  return major >= Number(m[1]);
}

test('engines admits the maintained LTS lines and not end-of-life Node 20', () => {
  expect(admits(24)).toBe(true);
  expect(admits(26)).toBe(true);
  expect(admits(20)).toBe(false);
});

test('CI runs the suite on lines engines admits, and the Docker image uses one of them', () => {
  const lines = /\bNODE_LINES=\$\{CI_NODE_LINES:-([\d ]+)\}/.exec(read('.ci/run'))![1].split(' ').map(Number);
  expect(lines).toEqual([24, 26]); // the whole suite on both maintained LTS lines
  for (const major of lines) expect(admits(major)).toBe(true);
  const image = /^FROM node:(\d+)-/m.exec(read('Dockerfile'))![1];
  expect(lines).toContain(Number(image));
});

test('the README prerequisites name the same lines', () => {
  const prereq = read('README.md').split('## Prerequisites')[1].split('\n## ')[0];
  expect(prereq).toContain('Node.js 24 or 26');
  expect(prereq).toContain(`\`engines\` (\`${pkg.engines.node}\`)`);
});
