/**
 * The production path: a Temporal server wanflow did not start or configure (a bare `temporal server start-dev`, no
 * search attributes), the emulator and a worker started with the README's own commands, and every README command
 * line and package.json script run as its own OS process, exactly as written (support/readme.ts explains how that is
 * enforced). Then the refused case: a gRPC proxy in front of a second bare server answers AddSearchAttributes with
 * PERMISSION_DENIED, and the worker and `run` must stop with the one clear message before any pipeline starts.
 *
 * Scenarios run in order in this one file (they share the server, emulator and worker); the last test checks that
 * every README command line was run by one of them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReadmeLedger, readmeCommands, ROOT, RUN_ELSEWHERE, type Started } from './support/readme';
import { freePort, projectDir, startBareServer, userEnv, withTemporalOnPath, type BareServer } from './support/world';
import { startGrpcProxy, type GrpcProxy } from './support/grpcProxy';

jest.setTimeout(900_000);

const ledger = new ReadmeLedger();
const SA = ['WanflowStage', 'WanflowBaseModel', 'WanflowJobId', 'WanflowDeployedModel'];

let server: BareServer;
let dir: string;
let emulator: Started;
let emulatorUrl: string;
let worker: Started | undefined;
/** The shell environment of the user: where Temporal is, nothing else. */
let env: Record<string, string | undefined>;

beforeAll(async () => {
  server = await startBareServer();
  dir = projectDir();
  env = userEnv({ TEMPORAL_ADDRESS: server.address });
});

afterAll(async () => {
  ledger.killAll();
  await server?.stop();
});

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const ok = (r: { code: number | null; output: string }) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}:\n${r.output}`);
};

describe('a bare Temporal server, set up with the README commands', () => {
  test('the emulator starts from its README line', async () => {
    emulator = ledger.start('npx wanflow emulator --time-scale 600 --data-dir .data/emulator', { env: { ...env, WANFLOW_EMULATOR_PORT: '0' }, cwd: dir });
    emulatorUrl = (await emulator.waitFor(/listening at (http:\/\/\S+)/))[1];
    expect(emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('npx wanflow setup adds the four search attributes to a server that has none, then finds them there', async () => {
    const r = await ledger.run('npx wanflow setup', { env, cwd: dir });
    ok(r);
    for (const name of SA) expect(r.stdout).toContain(`added search attribute ${name} (Keyword) to namespace default`);
    expect(r.stdout).toContain(`Temporal ${server.address} namespace default is ready for wanflow`);
    const listed = await server.client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(listed.customAttributes ?? {})).toEqual(expect.arrayContaining(SA));
  });

  test('a temporal.toml profile: TEMPORAL_PROFILE=prod npx wanflow setup --check', async () => {
    const toml = join(dir, 'temporal.toml');
    writeFileSync(toml, `[profile.prod]\naddress = "${server.address}"\nnamespace = "default"\n`);
    const r = await ledger.run('TEMPORAL_PROFILE=prod npx wanflow setup --check', { env: userEnv({ TEMPORAL_CONFIG_FILE: toml }), cwd: dir });
    ok(r);
    expect(r.stdout).toContain(`already there: ${SA.join(', ')}`);
    expect(r.stdout).toContain(`Temporal ${server.address} namespace default (profile prod) is ready`);
    // A profile that is not there is named, with the ones that are; the exit code says it failed.
    const bad = await ledger.run('TEMPORAL_PROFILE=prod npx wanflow setup --check', { env: userEnv({ TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') }), cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('TEMPORAL_CONFIG_FILE: no readable file at that path');
  });

  test('sample and validate', async () => {
    const s = await ledger.run('npx wanflow sample --mode i2v --out data/', { env, cwd: dir });
    ok(s);
    expect(s.stdout.trim()).toMatch(/(^|\/)data\/sample-i2v-training-12\.zip$/);
    const v = await ledger.run('npx wanflow validate data/sample-i2v-training-12.zip --model wan2.5-i2v-preview --set n_epochs=500', { env, cwd: dir });
    ok(v);
    expect(v.output).toMatch(/n_epochs/);
    expect(v.output).toMatch(/USD/);
  });

  test('npx wanflow worker starts against the emulator', async () => {
    worker = ledger.start('npx wanflow worker', { env: { ...env, DASHSCOPE_API_KEY: 'sk-wanflow-emulator', DASHSCOPE_BASE_URL: emulatorUrl }, cwd: dir });
    await worker.waitFor(/wanflow worker: task queue "wanflow" on 127\.0\.0\.1:\d+ namespace default, Model Studio at http/, 180_000);
  });
});

describe('pipelines through the CLI, to a RUNNING deployment', () => {
  let followRun: Started;
  let manualId: string;
  let followId: string;
  let jobId: string;
  let modelName: string;

  test('run --follow and a --checkpoint manual run start; the manual one is approved with npx wanflow approve', async () => {
    followRun = ledger.start('npx wanflow run data/sample-i2v-training-12.zip --model wan2.5-i2v-preview --follow', { env, cwd: dir, timeoutMs: 600_000 });
    followId = (await followRun.waitFor(/started pipeline (wanflow-wan2\.5-i2v-preview-[0-9a-f]{12})/))[1];

    const manual = await ledger.run('npx wanflow run data/sample-i2v-training-12.zip --model wan2.2-i2v-flash --checkpoint manual', { env, cwd: dir });
    ok(manual);
    manualId = /started pipeline (wanflow-wan2\.2-i2v-flash-[0-9a-f]{12})/.exec(manual.stderr)![1];

    // Watch (not act) through a client until the pipeline waits for the approval with checkpoint-600 on offer.
    await waitUntil('the manual pipeline to wait for approval', async () => {
      const s = (await server.client.workflow.getHandle(manualId).query('status')) as { stage: string; checkpoints: { checkpoint: string }[] };
      return s.stage === 'awaiting-approval' && s.checkpoints.some((c) => c.checkpoint === 'checkpoint-600');
    });
    const st = await ledger.run('npx wanflow status <workflow-id> --json', { placeholders: { '<workflow-id>': manualId }, env, cwd: dir });
    ok(st);
    expect(JSON.parse(st.stdout)).toMatchObject({ workflowStatus: 'RUNNING', workflowId: manualId, stage: 'awaiting-approval' });

    const approved = await ledger.run('npx wanflow approve <workflow-id> checkpoint-600', { placeholders: { '<workflow-id>': manualId }, env, cwd: dir });
    ok(approved);
    expect(approved.stdout).toBe(`approved checkpoint-600 for ${manualId}\n`);

    const followed = await ledger.run('npx wanflow follow <workflow-id>', { placeholders: { '<workflow-id>': manualId }, env, cwd: dir, timeoutMs: 600_000 });
    ok(followed);
    expect(followed.stdout).toMatch(new RegExp(`pipeline ${manualId} succeeded\\n  deployed model: wan2\\.2-i2v-flash-ft-\\S+ \\(from checkpoint-600`));
  });

  test('the --follow run ends with its deployment RUNNING, exit 0', async () => {
    const r = await followRun.exited;
    ok(r);
    expect(r.output).toMatch(/succeeded: wan2\.5-i2v-preview-ft-\S+ is RUNNING/);
    expect(r.stdout).toMatch(new RegExp(`pipeline ${followId} succeeded`));
    const st = await ledger.run('npx wanflow status <workflow-id> --json', { placeholders: { '<workflow-id>': followId }, env, cwd: dir });
    ok(st);
    const s = JSON.parse(st.stdout) as { workflowStatus: string; stage: string; jobId: string; deploymentStatus: string; modelName?: string };
    expect(s).toMatchObject({ workflowStatus: 'COMPLETED', stage: 'succeeded', deploymentStatus: 'RUNNING' });
    jobId = s.jobId;
    const result = (await server.client.workflow.getHandle(followId).result()) as { modelName: string };
    modelName = result.modelName;
    expect(jobId).toMatch(/^ft-/);
  });

  test('list --all --json shows both pipelines with their stage and model', async () => {
    const rows = await waitUntil('list to show both succeeded', async () => {
      const r = await ledger.run('npx wanflow list --all --json', { env, cwd: dir });
      ok(r);
      const l = JSON.parse(r.stdout) as { workflowId: string; status: string; stage?: string; model?: string }[];
      return [followId, manualId].every((id) => l.some((x) => x.workflowId === id && x.stage === 'succeeded')) && l;
    }, 60_000);
    expect(rows.find((r) => r.workflowId === followId)).toMatchObject({ status: 'COMPLETED', model: 'wan2.5-i2v-preview' });
  });

  test('run --from-job and --from-model: a new pipeline each, deployed from what exists (exit 0)', async () => {
    for (const [line, token, value] of [
      ['npx wanflow run --from-job <job_id> --model wan2.5-i2v-preview', '<job_id>', jobId],
      ['npx wanflow run --from-model <model_name> --model wan2.5-i2v-preview', '<model_name>', modelName],
    ] as const) {
      const started = await ledger.run(line, { placeholders: { [token]: value }, env, cwd: dir });
      ok(started);
      const id = /started pipeline (\S+)/.exec(started.stderr)![1];
      expect(id).not.toBe(followId);
      const result = (await server.client.workflow.getHandle(id).result()) as { deployedModel: string; jobId?: string };
      expect(result.deployedModel).toMatch(/^wan2\.5-i2v-preview-ft-/);
    }
  });

  test('cancel: a running pipeline (the manual one, started again) ends CANCELLED; a closed one is refused', async () => {
    const again = await ledger.run('npx wanflow run data/sample-i2v-training-12.zip --model wan2.2-i2v-flash --checkpoint manual', { env, cwd: dir });
    ok(again);
    expect(again.stderr).toContain(`started pipeline ${manualId}`);
    const c = await ledger.run('npx wanflow cancel <workflow-id>', { placeholders: { '<workflow-id>': manualId }, env, cwd: dir });
    ok(c);
    expect(c.stdout).toContain(`cancellation requested for ${manualId}`);
    await waitUntil(`${manualId} to close`, async () => (await server.client.workflow.getHandle(manualId).describe()).status.name === 'CANCELLED', 300_000);
    const st = await ledger.run('npx wanflow status <workflow-id> --json', { placeholders: { '<workflow-id>': manualId }, env, cwd: dir });
    ok(st);
    expect(JSON.parse(st.stdout).workflowStatus).toBe('CANCELLED');
    const closed = await ledger.run('npx wanflow cancel <workflow-id>', { placeholders: { '<workflow-id>': followId }, env, cwd: dir });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain(`wanflow: pipeline ${followId} is not running (COMPLETED); there is nothing to cancel`);
  });

  test('a CLI error shows the cause and what to do, exit 1 (no bare SDK message)', async () => {
    const r = await ledger.run('npx wanflow status <workflow-id> --json', { placeholders: { '<workflow-id>': 'wanflow-no-such-pipeline' }, env, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wanflow: .*wanflow-no-such-pipeline/m);
    expect(r.stderr).toMatch(/what to do: check the workflow id/);
    const down = await ledger.run('npx wanflow list --all --json', { env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` }, cwd: dir });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach Temporal at 127\.0\.0\.1:\d+\n  caused by: .+\n  what to do: is a Temporal server running/);
  });

  test('npx wanflow worker exits 0 on SIGTERM after a graceful shutdown', async () => {
    worker!.terminate();
    const r = await worker!.exited;
    expect(r.output).toContain('wanflow worker: SIGTERM: shutting down');
    expect(r.output).toContain('wanflow worker: stopped (SIGTERM)');
    expect(r.code).toBe(0);
  });

  test('the real-service worker line starts (DASHSCOPE_BASE_URL of Model Studio) and exits 0 on Ctrl-C (SIGINT)', async () => {
    const w = ledger.start('DASHSCOPE_API_KEY=<your key> DASHSCOPE_BASE_URL=https://dashscope-intl.aliyuncs.com npx wanflow worker', {
      placeholders: { '<your key>': 'sk-not-a-real-key' },
      // Its own task queue: no pipeline of this suite may reach the real service.
      env: { ...env, WANFLOW_TASK_QUEUE: 'wanflow-real-service-line' },
      cwd: dir,
    });
    await w.waitFor(/Model Studio at https:\/\/dashscope-intl\.aliyuncs\.com/, 180_000);
    w.interrupt();
    const r = await w.exited;
    expect(r.output).toContain('wanflow worker: stopped (SIGINT)');
    expect(r.output).not.toContain('sk-not-a-real-key');
    expect(r.code).toBe(0);
  });

  test('the emulator stops on SIGTERM', async () => {
    emulator.terminate();
    expect((await emulator.exited).code).toBe(0);
  });
});

describe('the refused case: no permission to add search attributes', () => {
  let bare: BareServer;
  let proxy: GrpcProxy;
  let proxied: Record<string, string | undefined>;

  beforeAll(async () => {
    bare = await startBareServer();
    proxy = await startGrpcProxy(bare.address, [
      { path: '/temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes', status: 7, message: 'Request unauthorized.' },
    ]);
    proxied = { ...env, TEMPORAL_ADDRESS: proxy.address };
  });
  afterAll(async () => {
    await proxy?.close();
    await bare?.stop();
  });

  const expectRefusal = (output: string) => {
    expect(output).toContain(`namespace "default" lacks search attributes wanflow needs: ${SA.map((s) => `${s} (Keyword)`).join(', ')}.`);
    expect(output).toContain('the server refused OperatorService.AddSearchAttributes (7 PERMISSION_DENIED: Request unauthorized.)');
    expect(output).toContain('Nothing was started.');
    for (const s of SA) expect(output).toContain(`temporal operator search-attribute create --address ${proxy.address} --namespace default --name ${s} --type Keyword`);
    expect(output).toContain(`tcld namespace search-attributes add --namespace default ${SA.map((s) => `--search-attribute "${s}=Keyword"`).join(' ')}`);
    // One message, once.
    expect(output.split('lacks search attributes').length).toBe(2);
  };

  test('npx wanflow worker stops with the message and exit 1, before polling', async () => {
    const w = ledger.start('npx wanflow worker', { env: { ...proxied, DASHSCOPE_API_KEY: 'sk-wanflow-emulator', DASHSCOPE_BASE_URL: 'http://127.0.0.1:9' }, cwd: dir });
    const r = await w.exited;
    expect(r.code).toBe(1);
    expectRefusal(r.stderr);
    expect(r.output).not.toContain('task queue "wanflow" on');
    expect(proxy.calls.some((c) => c.refused)).toBe(true);
    expect(proxy.calls.some((c) => /PollWorkflowTaskQueue/.test(c.path))).toBe(false);
  });

  test('npx wanflow run stops with the same message; the server has no workflow', async () => {
    const r = await ledger.run('npx wanflow run data/sample-i2v-training-12.zip --model wan2.5-i2v-preview --follow', { env: proxied, cwd: dir });
    expect(r.code).toBe(1);
    expectRefusal(r.stderr);
    expect(r.output).not.toMatch(/started pipeline/);
    expect(await bare.countWorkflows()).toBe(0);
    expect(proxy.calls.some((c) => /StartWorkflowExecution/.test(c.path))).toBe(false);
  });

  test("the README's temporal operator lines create them; then the worker starts through the same proxy", async () => {
    const direct = withTemporalOnPath({ ...env, TEMPORAL_ADDRESS: bare.address });
    for (const s of SA) {
      const r = await ledger.run(`temporal operator search-attribute create --namespace default --name ${s} --type Keyword`, { env: direct, cwd: dir });
      ok(r);
    }
    const w = ledger.start('npx wanflow worker', { env: { ...proxied, DASHSCOPE_API_KEY: 'sk-wanflow-emulator', DASHSCOPE_BASE_URL: 'http://127.0.0.1:9' }, cwd: dir });
    await w.waitFor(/wanflow worker: task queue "wanflow" on/, 180_000);
    w.terminate();
    const r = await w.exited;
    expect(r.code).toBe(0);
    expect(r.output).not.toContain('added search attribute');
  });
});

/**
 * Every package.json script, run the cheapest real way. A new script fails this test until it has an entry here:
 * `args` after `npm run <name>` (usually `-- --help`) and what its output must contain.
 */
const SCRIPTS: Record<string, { args: string; expect: RegExp; env?: Record<string, string> }> = {
  postinstall: { args: '', expect: /temporal/i }, // finds the Temporal CLI ($TEMPORAL_CLI here) and says where
  build: { args: '-- --help', expect: /tsc: The TypeScript Compiler/ },
  typecheck: { args: '-- --help', expect: /tsc: The TypeScript Compiler/ },
  start: { args: '-- --help', expect: /Usage: npm start \[options\][\s\S]*--data-dir/ },
  test: { args: '-- --help', expect: /Usage: jest/ }, // type-checks first, then jest's help
  'test:durability': { args: '-- --help', expect: /Usage: jest/ },
  bench: { args: '-- --help', expect: /usage: npm run bench \[name\]/ },
  emulator: { args: '-- --help', expect: /Usage: wanflow emulator \[options\]/ },
  worker: { args: '-- --help', expect: /Usage: wanflow worker[\s\S]*DASHSCOPE_API_KEY/ },
  wanflow: { args: '-- --help', expect: /Usage: wanflow \[options\] \[command\][\s\S]*setup/ },
  schema: { args: '-- --help', expect: /usage: npm run schema/ },
  stack: { args: '-- --help', expect: /usage: npm run stack -- <command>/ }, // `up`/`down` themselves: test/stack (npm run test:stack in .ci/run)
  'test:stack': { args: '-- --help', expect: /Usage: jest/ },
};

describe('package.json scripts', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

  test('every script has a way to run here', () => {
    const missing = Object.keys(pkg.scripts).filter((s) => !SCRIPTS[s]);
    expect(missing).toEqual([]);
  });

  test.each(Object.keys(SCRIPTS))('npm run %s', async (name) => {
    if (!pkg.scripts[name]) throw new Error(`SCRIPTS lists "${name}", which package.json does not have`);
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('bash', ['-c', `npm run ${name} ${SCRIPTS[name].args}`], { cwd: ROOT, env: userEnv(SCRIPTS[name].env) as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 600_000 });
    const out = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`npm run ${name} ${SCRIPTS[name].args} exited ${r.status}:\n${out}`);
    expect(out).toMatch(SCRIPTS[name].expect);
  });
});

describe('npm start (the README opening line)', () => {
  test('npm install && npm start runs the whole pipeline on this machine; Ctrl-C tells the truth', async () => {
    const data = projectDir();
    const ports = { WANFLOW_TEMPORAL_PORT: String(await freePort()), WANFLOW_UI_PORT: String(await freePort()), WANFLOW_EMULATOR_PORT: String(await freePort()) };
    const startEnv = userEnv({ ...ports, WANFLOW_DATA_DIR: join(data, '.data'), WANFLOW_TIME_SCALE: '600' });
    const r = await ledger.run('npm install && npm start', { env: startEnv, cwd: ROOT, timeoutMs: 600_000 });
    ok(r);
    expect(r.output).toMatch(/\[wanflow\] started pipeline wanflow-wan2\.2-i2v-flash-[0-9a-f]{12}/);
    expect(r.output).toMatch(/pipeline wanflow-wan2\.2-i2v-flash-[0-9a-f]{12} succeeded/);

    // Ctrl-C while a pipeline runs (another model, so a new pipeline): the message says it waits until the next npm start.
    const again = ledger.start('npm install && npm start', { env: { ...startEnv, WANFLOW_TIME_SCALE: '60' }, cwd: ROOT, timeoutMs: 600_000 });
    await again.waitFor(/\[wanflow\] (started|resuming) pipeline/, 300_000);
    again.interrupt();
    const stopped = await again.exited;
    expect(stopped.output).toMatch(/not running now; it waits, saved in .*\.data, and continues with the next `npm start`/);
    expect(stopped.output).not.toMatch(/keeps running/);
  });
});

describe('README rule 2', () => {
  test('every command line of the README was run, as written, by a test above', () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThan(10);
    const elsewhere = (c: (typeof commands)[number]) => RUN_ELSEWHERE.find((r) => r.applies(c));
    const notRun = commands.filter((c) => !elsewhere(c) && !ledger.runs.some((r) => r.line === c.line));
    if (notRun.length) {
      throw new Error(
        `README command lines that no test ran (run each with ledger.run/start in test/production/, see support/readme.ts):\n${notRun.map((c) => `  README.md:${c.at}  ${c.line}`).join('\n')}`,
      );
    }
    for (const c of commands) {
      const how = elsewhere(c);
      if (how && !how.check()) throw new Error(`"${c.line}" is said to be run by ${how.by}, but that is not so`);
    }
  });
});
