#!/usr/bin/env node
// Finds or builds the Temporal CLI (which carries the dev server and its Web UI).
// Order: $TEMPORAL_CLI, `temporal` on PATH, .temporal/bin/temporal, else `go install` of the pinned version.
// Used by `npm install` (postinstall), `npm start` and jest's global setup; a second run takes well under a second.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
/** The one place the pinned CLI version lives. v1.5.1 is the newest tag whose go.mod has no replace directive. */
const TEMPORAL_CLI_VERSION = require(path.join(ROOT, 'package.json')).wanflow.temporalCliVersion;
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const LOCAL_BIN_DIR = path.join(ROOT, '.temporal', 'bin');
const LOCAL_BIN = path.join(LOCAL_BIN_DIR, process.platform === 'win32' ? 'temporal.exe' : 'temporal');
const STAMP = path.join(LOCAL_BIN_DIR, 'VERSION');

function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Returns `{ path, source }` of a usable CLI without building anything, or undefined. */
function findTemporalCli() {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    }
    return { path: path.resolve(fromEnv), source: 'TEMPORAL_CLI' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  if (isExecutable(LOCAL_BIN) && readStamp() === TEMPORAL_CLI_VERSION) return { path: LOCAL_BIN, source: 'built' };
  return undefined;
}

function readStamp() {
  try {
    return fs.readFileSync(STAMP, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function buildTemporalCli(log = (m) => process.stderr.write(`[wanflow] ${m}\n`)) {
  const go = onPath('go') || (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      [
        'wanflow needs the Temporal CLI (it runs the local Temporal server and Web UI), and found none:',
        '  - no TEMPORAL_CLI environment variable, no `temporal` on PATH, nothing built in .temporal/bin;',
        '  - and Go is not installed, so it cannot build one.',
        'Fix one of these, then run `npm install` again:',
        '  * install the Temporal CLI (https://docs.temporal.io/cli#install) and put `temporal` on PATH, or set TEMPORAL_CLI=/path/to/temporal;',
        `  * or install Go 1.25 or newer (https://go.dev/dl/); wanflow then builds ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} itself.`,
      ].join('\n'),
    );
  }
  fs.mkdirSync(LOCAL_BIN_DIR, { recursive: true });
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} from its Go module into ${path.relative(process.cwd(), LOCAL_BIN_DIR) || LOCAL_BIN_DIR}`);
  log('this happens once and can take several minutes on a cold Go build cache...');
  const started = Date.now();
  const result = spawnSync(go, ['install', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: LOCAL_BIN_DIR },
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      `\`go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}\` failed (${result.error ? result.error.message : `exit code ${result.status}`}). ` +
        'Install the Temporal CLI yourself and set TEMPORAL_CLI, or put `temporal` on PATH.',
    );
  }
  fs.writeFileSync(STAMP, `${TEMPORAL_CLI_VERSION}\n`);
  log(`built ${LOCAL_BIN} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { path: LOCAL_BIN, source: 'built' };
}

/** Finds the CLI, building it if needed. */
function ensureTemporalCli(log) {
  return findTemporalCli() || buildTemporalCli(log);
}

module.exports = { ensureTemporalCli, findTemporalCli, TEMPORAL_CLI_VERSION, LOCAL_BIN };

if (require.main === module) {
  try {
    const found = ensureTemporalCli();
    if (process.argv.includes('--print')) process.stdout.write(`${found.path}\n`);
    else process.stderr.write(`[wanflow] Temporal CLI: ${found.path} (${found.source})\n`);
  } catch (err) {
    process.stderr.write(`[wanflow] ${err.message}\n`);
    process.exit(1);
  }
}
