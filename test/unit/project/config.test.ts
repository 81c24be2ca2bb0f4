import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ConfigError, loadConfig, loadWorkerConfig, loadCliConfig, WorkerEnvSchema, WORKER_ENV_VARS, DEFAULT_DASHSCOPE_BASE_URL } from '../../../src/config';
import { loadTemporalSettings } from '../../../src/temporal/connection';
import { WANFLOW_SEARCH_ATTRIBUTES } from '../../../src/workflows/search-attributes';

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

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string>; ports?: string[]; command?: string[] | string; image?: string; build?: string }>;
  };

  test('has the production-shaped services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['emulator', 'postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(compose.services.temporal.environment?.DB).toMatch(/^postgres/);
  });

  test("the worker's environment is what src/config.ts reads, and points at the services by name and port", () => {
    const env = compose.services.worker.environment!;
    const known = WORKER_ENV_VARS;
    for (const key of Object.keys(env)) expect(known).toContain(key);
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.DASHSCOPE_BASE_URL).toContain('http://emulator:8089');
    const emulatorCmd = compose.services.emulator.command as string[];
    expect(emulatorCmd[emulatorCmd.indexOf('--port') + 1]).toBe('8089');
    expect(compose.services.emulator.ports).toContain('8089:8089');
    expect(compose.services.temporal.ports).toContain('7233:7233');
    expect(compose.services['temporal-ui'].ports).toContain('8233:8080');
  });

  test('registers every search attribute the workflow sets', () => {
    const setup = JSON.stringify(compose.services['temporal-setup'].command);
    for (const key of WANFLOW_SEARCH_ATTRIBUTES) expect(setup).toContain(key.name);
  });
});
