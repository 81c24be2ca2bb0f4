import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ConfigError, loadConfig, loadWorkerConfig, loadCliConfig, WorkerEnvSchema, WORKER_ENV_VARS, DEFAULT_DASHSCOPE_BASE_URL } from '../../../src/config';
import { loadTemporalSettings } from '../../../src/temporal/connection';
import { WANFLOW_SEARCH_ATTRIBUTES } from '../../../src/workflows/search-attributes';
import { EMULATOR_DEFAULT_API_KEY } from '../../../src/emulator';
import { COMPOSE_PORTS, DB, DYNAMIC_CONFIG, GO_BINARIES, IMAGES, NAMESPACE, NUM_HISTORY_SHARDS, TASK_QUEUE, VERSIONS, namespaceCommands, schemaCommands } from '../../../scripts/stack-spec';
import { stackEnv } from '../../../scripts/stack';

const root = join(__dirname, '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'wanflow-config-'));
/** An environment with no config file of this machine in it (envconfig looks under XDG_CONFIG_HOME). */
const base = { XDG_CONFIG_HOME: join(scratch, 'xdg-empty') };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const file = (name: string, text: string) => {
  const p = join(scratch, name);
  writeFileSync(p, text);
  return p;
};
const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

test('worker config: defaults, and errors that name the variable but never echo a value', () => {
  const cfg = loadWorkerConfig({ ...base, DASHSCOPE_API_KEY: 'sk-test-123' });
  expect(cfg.temporal.address).toBe('localhost:7233');
  expect(cfg.temporal.namespace).toBe('default');
  expect(cfg.DASHSCOPE_BASE_URL).toBe(DEFAULT_DASHSCOPE_BASE_URL);
  expect(cfg.WANFLOW_TASK_QUEUE).toBe('wanflow');
  expect(cfg.WANFLOW_SHUTDOWN_GRACE_SECONDS).toBe(20);
  const err = errorOf(() => loadWorkerConfig({ ...base, DASHSCOPE_API_KEY: '', DASHSCOPE_BASE_URL: 'not a url sk-test-123', TEMPORAL_ADDRESS: 'sk-test-123' }));
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toMatch(/DASHSCOPE_API_KEY/);
  expect(err.message).toMatch(/DASHSCOPE_BASE_URL/);
  expect(err.message).toMatch(/TEMPORAL_ADDRESS: expected host:port/); // both kinds of problem in one error
  expect(err.message).not.toContain('sk-test-123');
  expect(loadConfig(WorkerEnvSchema, { DASHSCOPE_API_KEY: 'k' }).WANFLOW_MAX_API_CALLS_PER_SECOND).toBe(12);
});

describe('Temporal connection settings (envconfig)', () => {
  test('TEMPORAL_API_KEY turns TLS on; plain host:port has none; gRPC metadata from TEMPORAL_GRPC_META_*', () => {
    const cloud = loadTemporalSettings({}, { ...base, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'key-secret-1', TEMPORAL_GRPC_META_X_TENANT: 'a' });
    expect(cloud.connectionOptions).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', tls: true, apiKey: 'key-secret-1', metadata: { 'x-tenant': 'a' } });
    expect(cloud.namespace).toBe('ns.acct');
    expect(cloud.summary).toBe('ns.acct.tmprl.cloud:7233 namespace ns.acct (TLS, API key, gRPC headers x-tenant)');
    expect(cloud.summary).not.toContain('key-secret-1');
    const local = loadTemporalSettings({}, base);
    expect(local.connectionOptions.tls).toBeUndefined();
    // An empty variable (compose files, CI templates) counts as unset.
    expect(loadTemporalSettings({}, { ...base, TEMPORAL_API_KEY: '' }).connectionOptions.apiKey).toBeUndefined();
  });

  test('a temporal.toml profile, with TEMPORAL_* over it and flags over those', () => {
    const ca = file('ca.pem', PEM);
    const toml = file(
      'temporal.toml',
      `[profile.default]\naddress = "file-default:7233"\n\n[profile.prod]\naddress = "prod.example:7233"\nnamespace = "prod"\n[profile.prod.tls]\nserver_ca_cert_path = "${ca}"\nserver_name = "temporal.internal"\n[profile.prod.grpc_meta]\nx-team = "ml"\n`,
    );
    const env = { ...base, TEMPORAL_CONFIG_FILE: toml };
    expect(loadTemporalSettings({}, env).address).toBe('file-default:7233');
    const prod = loadTemporalSettings({}, { ...env, TEMPORAL_PROFILE: 'prod' });
    expect(prod).toMatchObject({ address: 'prod.example:7233', namespace: 'prod', profile: 'prod' });
    const tls = prod.connectionOptions.tls as { serverNameOverride?: string; serverRootCACertificate?: Uint8Array };
    expect(tls.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toBe(PEM);
    expect(prod.connectionOptions.metadata).toEqual({ 'x-team': 'ml' });
    expect(loadTemporalSettings({}, { ...env, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' }).namespace).toBe('other');
    const flagged = loadCliConfig({ profile: 'prod', address: 'flag.example:7233', taskQueue: 'tq' }, env);
    expect(flagged.temporal).toMatchObject({ address: 'flag.example:7233', namespace: 'prod' });
    expect(flagged.taskQueue).toBe('tq');
    // --config-file beats TEMPORAL_CONFIG_FILE.
    const other = file('other.toml', '[profile.default]\naddress = "other:7233"\n');
    expect(loadTemporalSettings({ configFile: other }, env).address).toBe('other:7233');
  });

  test('bad values name the variable or key, never the value', () => {
    const secret = 'sk-secret-42';
    const cases: [Record<string, string>, RegExp][] = [
      [{ TEMPORAL_ADDRESS: `${secret}` }, /TEMPORAL_ADDRESS: expected host:port/],
      [{ TEMPORAL_ADDRESS: `host:99999` }, /TEMPORAL_ADDRESS: expected host:port/],
      [{ TEMPORAL_NAMESPACE: `a b ${secret}` }, /TEMPORAL_NAMESPACE: expected a namespace name/],
      [{ TEMPORAL_TLS: `${secret}` }, /TEMPORAL_TLS: expected true, false, 1 or 0/],
      [{ TEMPORAL_API_KEY: `${secret} x` }, /TEMPORAL_API_KEY: contains white space/],
      [{ TEMPORAL_TLS_CLIENT_CERT_PATH: join(scratch, secret) }, /TEMPORAL_TLS_CLIENT_CERT_PATH: no readable file at that path/],
      [{ TEMPORAL_TLS_CLIENT_CERT_PATH: file('c.pem', PEM) }, /mTLS needs both the client certificate and its key/],
      [{ TEMPORAL_TLS_SERVER_CA_CERT_DATA: secret }, /TEMPORAL_TLS_SERVER_CA_CERT_DATA: not PEM/],
      [{ TEMPORAL_TLS_CERT_PATH: secret }, /TEMPORAL_TLS_CERT_PATH: not read any more; Temporal's name for it is TEMPORAL_TLS_CLIENT_CERT_PATH/],
      [{ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }, /not supported by the Temporal TypeScript SDK/],
      [{ TEMPORAL_CONFIG_FILE: join(scratch, `${secret}.toml`) }, /TEMPORAL_CONFIG_FILE: no readable file at that path/],
      [{ TEMPORAL_CONFIG_FILE: file('bad.toml', `[profile.default]\napi_key = "${secret}\n`) }, /TEMPORAL_CONFIG_FILE: not valid TOML \(line 2, column \d+\)/],
      [{ TEMPORAL_CONFIG_FILE: file('p.toml', '[profile.a]\n[profile.b]\n'), TEMPORAL_PROFILE: secret }, /TEMPORAL_PROFILE: no profile of that name in TEMPORAL_CONFIG_FILE \(profiles there: a, b\)/],
    ];
    for (const [vars, rule] of cases) {
      const err = errorOf(() => loadTemporalSettings({}, { ...base, ...vars }));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(rule);
      expect(err.message).not.toContain(secret);
    }
    const fromFile = file('addr.toml', `[profile.default]\naddress = "${secret}"\n`);
    expect(errorOf(() => loadTemporalSettings({}, { ...base, TEMPORAL_CONFIG_FILE: fromFile })).message).toMatch(/address in profile "default" of TEMPORAL_CONFIG_FILE: expected host:port/);
    expect(errorOf(() => loadTemporalSettings({ address: 'nope' }, base)).message).toMatch(/--address: expected host:port/);
  });
});

describe('docker-compose.yml agrees with the stack (scripts/stack-spec.ts) and the code', () => {
  type Service = { environment?: Record<string, string | number>; ports?: string[]; command?: string[] | string; image?: string; build?: string; volumes?: string[] };
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
  const svc = compose.services;
  const cmd = (s: Service) => (Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '')).replace(/\s+/g, ' ');

  test('has the production services', () => {
    expect(Object.keys(svc).sort()).toEqual(['emulator', 'postgresql', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
  });

  test('uses the versions pinned in package.json "wanflow": the official server image, no auto-setup', () => {
    expect(VERSIONS.temporalServerVersion).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(svc.postgresql.image).toBe(IMAGES.postgresql);
    expect(svc.temporal.image).toBe(IMAGES.temporal);
    expect(svc['temporal-schema'].image).toBe(IMAGES.adminTools);
    expect(svc['temporal-setup'].image).toBe(IMAGES.adminTools);
    expect(svc['temporal-ui'].image).toBe(IMAGES.ui);
    expect(JSON.stringify(compose)).not.toContain('auto-setup');
    // The stack builds the same server and UI versions from source, and runs PostgreSQL of the same major version.
    expect(GO_BINARIES.find((b) => b.name === 'temporal-server')!.version).toBe(VERSIONS.temporalServerVersion);
    expect(GO_BINARIES.find((b) => b.name === 'sql')!.version).toBe(VERSIONS.temporalServerVersion);
    expect(GO_BINARIES.find((b) => b.name === 'ui-server')!.version).toBe(VERSIONS.temporalUiVersion);
    expect(VERSIONS.embeddedPostgres.split('.')[0]).toBe(VERSIONS.postgresMajor);
  });

  test('the database role, names, plugin, port and shards are the ones the stack uses', () => {
    expect(svc.postgresql.environment).toMatchObject({ POSTGRES_USER: DB.user, POSTGRES_PASSWORD: DB.password });
    expect(svc.temporal.environment).toMatchObject({
      DB: DB.plugin,
      DB_PORT: COMPOSE_PORTS.postgres,
      POSTGRES_USER: DB.user,
      POSTGRES_PWD: DB.password,
      POSTGRES_SEEDS: 'postgresql',
      DBNAME: DB.database,
      VISIBILITY_DBNAME: DB.visibilityDatabase,
      NUM_HISTORY_SHARDS,
    });
    // The same dynamic config file as the stack's server.
    const mount = svc.temporal.volumes!.find((v) => v.includes('dynamicconfig'))!;
    expect(join(root, mount.split(':')[0]!)).toBe(DYNAMIC_CONFIG);
    expect(mount.split(':')[1]).toBe(svc.temporal.environment!.DYNAMIC_CONFIG_FILE_PATH);
  });

  test('sets the schemas up with the same SQL tool commands as the stack', () => {
    const script = cmd(svc['temporal-schema']);
    for (const c of schemaCommands({ host: 'postgresql', port: COMPOSE_PORTS.postgres })) expect(script).toContain(`temporal-sql-tool ${c.args.join(' ')}`);
  });

  test('creates the namespace and every search attribute the workflow sets, with the same CLI commands as the stack', () => {
    const script = cmd(svc['temporal-setup']);
    for (const c of namespaceCommands()) expect(script).toContain(`temporal ${c.join(' ')}`);
    for (const key of WANFLOW_SEARCH_ATTRIBUTES) expect(script).toContain(`--name ${key.name} --type Keyword`);
    expect(namespaceCommands().filter((c) => c.includes('search-attribute'))).toHaveLength(WANFLOW_SEARCH_ATTRIBUTES.length);
    expect(svc['temporal-setup'].environment?.TEMPORAL_ADDRESS).toBe(`temporal:${COMPOSE_PORTS.temporal}`);
  });

  test("the worker's environment is what src/config.ts reads, and points at the services by name and port", () => {
    const env = svc.worker.environment!;
    const known = WORKER_ENV_VARS;
    for (const key of Object.keys(env)) expect(known).toContain(key);
    expect(env.TEMPORAL_ADDRESS).toBe(`temporal:${COMPOSE_PORTS.temporal}`);
    expect(env.TEMPORAL_NAMESPACE).toBe(NAMESPACE);
    expect(env.WANFLOW_TASK_QUEUE).toBe(TASK_QUEUE);
    expect(loadConfig(WorkerEnvSchema, { DASHSCOPE_API_KEY: 'k' }).WANFLOW_TASK_QUEUE).toBe(TASK_QUEUE);
    expect(env.DASHSCOPE_BASE_URL).toContain(`http://emulator:${COMPOSE_PORTS.emulator}`);
    expect(env.DASHSCOPE_API_KEY).toContain(EMULATOR_DEFAULT_API_KEY);
    expect(svc.emulator.environment?.EMULATOR_API_KEYS).toBe(EMULATOR_DEFAULT_API_KEY);
    const emulatorCmd = svc.emulator.command as string[];
    expect(emulatorCmd[emulatorCmd.indexOf('--port') + 1]).toBe(String(COMPOSE_PORTS.emulator));
    expect(svc.emulator.ports).toContain(`${COMPOSE_PORTS.emulator}:${COMPOSE_PORTS.emulator}`);
    expect(svc.temporal.ports).toContain(`${COMPOSE_PORTS.temporal}:${COMPOSE_PORTS.temporal}`);
    expect(svc['temporal-ui'].ports).toContain(`${COMPOSE_PORTS.uiHost}:${COMPOSE_PORTS.ui}`);
    expect(svc['temporal-ui'].environment).toMatchObject({ TEMPORAL_ADDRESS: `temporal:${COMPOSE_PORTS.temporal}`, TEMPORAL_DEFAULT_NAMESPACE: NAMESPACE });
  });

  test('the variables `npm run stack -- up` prints are the ones the worker and CLI read', () => {
    const env = stackEnv({ dir: '/x', timeScale: 600, maxConcurrentJobs: 10, ports: { postgres: 1, frontend: 2, frontendHttp: 3, history: 4, matching: 5, worker: 6, membership: [7, 8, 9, 10], metrics: 11, ui: 12, emulator: 13 } });
    const read: readonly string[] = WORKER_ENV_VARS;
    expect(read).toContain('TEMPORAL_ADDRESS');
    expect(read).toContain('TEMPORAL_NAMESPACE');
    expect(Object.keys(env).sort()).toEqual(['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'WANFLOW_EMULATOR_URL', 'WANFLOW_POSTGRES_URL', 'WANFLOW_UI_URL']);
    expect(env.TEMPORAL_NAMESPACE).toBe(NAMESPACE);
    expect(new URL(env.WANFLOW_POSTGRES_URL).pathname).toBe(`/${DB.database}`);
  });
});
