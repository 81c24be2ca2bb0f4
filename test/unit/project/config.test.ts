import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig, temporalConnectionOptions, WorkerEnvSchema, TemporalEnvSchema, DEFAULT_DASHSCOPE_BASE_URL } from '../../../src/config';
import { WANFLOW_SEARCH_ATTRIBUTES } from '../../../src/workflows/search-attributes';

const root = join(__dirname, '../../..');

test('worker config: defaults, and errors that name the variable but never echo a value', () => {
  const cfg = loadConfig(WorkerEnvSchema, { DASHSCOPE_API_KEY: 'sk-test-123' });
  expect(cfg.TEMPORAL_ADDRESS).toBe('localhost:7233');
  expect(cfg.DASHSCOPE_BASE_URL).toBe(DEFAULT_DASHSCOPE_BASE_URL);
  expect(cfg.WANFLOW_TASK_QUEUE).toBe('wanflow');
  let err: Error | undefined;
  try {
    loadConfig(WorkerEnvSchema, { DASHSCOPE_API_KEY: '', DASHSCOPE_BASE_URL: 'not a url sk-test-123' });
  } catch (e) {
    err = e as Error;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect(err!.message).toMatch(/DASHSCOPE_API_KEY/);
  expect(err!.message).toMatch(/DASHSCOPE_BASE_URL/);
  expect(err!.message).not.toContain('sk-test-123');
});

test('Temporal Cloud API key turns TLS on', () => {
  const cfg = loadConfig(TemporalEnvSchema, { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'k' });
  expect(temporalConnectionOptions(cfg)).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: true, apiKey: 'k' });
  expect(temporalConnectionOptions(loadConfig(TemporalEnvSchema, {})).tls).toBeUndefined();
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
    const known = Object.keys(WorkerEnvSchema.shape);
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
