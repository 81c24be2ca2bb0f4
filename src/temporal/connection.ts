/**
 * Where and how to reach Temporal: one definition for the worker, the CLI and anything else that connects.
 *
 * Settings come from Temporal's own environment configuration (@temporalio/envconfig), the same as the `temporal` CLI
 * and the other SDKs read, so one `temporal.toml` profile or one set of TEMPORAL_* variables serves them all:
 *   - a profile of the config file (`$TEMPORAL_CONFIG_FILE`, default `~/.config/temporalio/temporal.toml`), chosen by
 *     `TEMPORAL_PROFILE` (default "default");
 *   - on top, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH|DATA,
 *     TEMPORAL_TLS_CLIENT_KEY_PATH|DATA, TEMPORAL_TLS_SERVER_CA_CERT_PATH|DATA, TEMPORAL_TLS_SERVER_NAME,
 *     TEMPORAL_GRPC_META_<NAME> (one gRPC header each);
 *   - on top of those, CLI flags (--address, --namespace, --profile, --config-file).
 * envconfig does the reading and merging; this module checks the result first, so a bad value fails at start with the
 * variable's name (never its value) instead of a TLS handshake error minutes later.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { loadClientConfig, loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type LoadClientProfileOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError } from '../configError';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** The environment variables envconfig reads (TEMPORAL_GRPC_META_* aside): the worker's documented environment. */
export const TEMPORAL_ENV_VARS = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
] as const;
export const TEMPORAL_GRPC_META_PREFIX = 'TEMPORAL_GRPC_META_';

/** Names wanflow once read and envconfig spells differently: refused with the new name rather than silently ignored. */
const RENAMED: Record<string, string> = {
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
};

/** Connection flags every Temporal-facing command takes; each overrides its environment variable and the profile. */
export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  profile?: string;
  configFile?: string;
}

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** The profile used, when one was found or asked for. */
  profile?: string;
  /** For NativeConnection.connect (worker) and Connection.connect (client): address, tls, apiKey, metadata. */
  connectionOptions: NativeConnectionOptions & { address: string };
  /** Where this connects, safe to print (no key, no header values). */
  summary: string;
}

type Env = Record<string, string | undefined>;

/**
 * Resolves the connection settings (profile → environment → flags) and checks them. Throws a ConfigError listing every
 * problem, each naming the variable, flag or config-file key; values never appear in it.
 */
export function loadTemporalSettings(flags: ConnectionFlags = {}, env: Env = process.env): TemporalSettings {
  const problems: string[] = [];
  // Empty variables count as unset (compose files and CI templates often set `TEMPORAL_API_KEY=`); empty gRPC-meta
  // variables are kept, since envconfig reads them as "remove this header".
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || !k.startsWith('TEMPORAL_')) continue;
    if (v === '' && !k.startsWith(TEMPORAL_GRPC_META_PREFIX)) continue;
    vars[k] = v;
  }
  for (const [old, now] of Object.entries(RENAMED)) {
    if (vars[old] !== undefined && vars[now] === undefined) problems.push(`${old}: not read any more; Temporal's name for it is ${now}`);
  }
  for (const name of ['TEMPORAL_TLS', 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION']) {
    if (vars[name] !== undefined && !['1', '0', 'true', 'false'].includes(vars[name])) problems.push(`${name}: expected true, false, 1 or 0`);
  }
  if (vars.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true' || vars.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === '1') {
    problems.push('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: not supported by the Temporal TypeScript SDK; set TEMPORAL_TLS_SERVER_NAME to the name in the server certificate instead');
  }

  // The config file: an explicit one (flag or variable) must exist; the default location may be absent.
  const fileSource = flags.configFile !== undefined ? '--config-file' : vars.TEMPORAL_CONFIG_FILE !== undefined ? 'TEMPORAL_CONFIG_FILE' : undefined;
  const filePath = flags.configFile ?? vars.TEMPORAL_CONFIG_FILE;
  if (fileSource && filePath !== undefined && !readable(filePath)) problems.push(`${fileSource}: no readable file at that path`);
  const fileName = fileSource ?? 'the config file (~/.config/temporalio/temporal.toml)';
  const profileSource = flags.profile !== undefined ? '--profile' : vars.TEMPORAL_PROFILE !== undefined ? 'TEMPORAL_PROFILE' : undefined;
  const profileName = flags.profile ?? vars.TEMPORAL_PROFILE;
  if (problems.length) throw configError(problems);

  const options: LoadClientProfileOptions = {
    profile: profileName,
    configSource: filePath !== undefined ? { path: filePath } : undefined,
    overrideEnvVars: vars,
  };
  let profile: ClientConfigProfile;
  try {
    // Read the file once on its own first: a TOML error is reported by position (its text could hold an API key).
    const all = loadClientConfig({ configSource: options.configSource, overrideEnvVars: vars });
    if (profileName !== undefined && !all.profiles[profileName]) {
      const names = Object.keys(all.profiles);
      throw configError([`${profileSource}: no profile of that name in ${fileName} (profiles there: ${names.length ? names.join(', ') : 'none'})`]);
    }
    profile = loadClientConfigProfile(options);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = err as { line?: number; column?: number; code?: string };
    if (e.line !== undefined) throw configError([`${fileName}: not valid TOML (line ${e.line}, column ${e.column})`]);
    throw configError([`${fileName}: cannot be read (${e.code ?? (err as Error).name})`]);
  }
  const fromFile = (key: string) => `${key} in profile "${profileName ?? 'default'}" of ${fileName}`;
  const sourceOf = (flag: keyof ConnectionFlags, envVar: string, key: string) =>
    flags[flag] !== undefined ? `--${flag === 'configFile' ? 'config-file' : flag}` : vars[envVar] !== undefined ? envVar : fromFile(key);

  if (flags.address !== undefined) profile.address = flags.address;
  if (flags.namespace !== undefined) profile.namespace = flags.namespace;
  const address = profile.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = profile.namespace ?? DEFAULT_TEMPORAL_NAMESPACE;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/\\[\]]+):(\d{1,5})$/.test(address) || Number(address.split(':').pop()) > 65535 || Number(address.split(':').pop()) < 1) {
    problems.push(`${sourceOf('address', 'TEMPORAL_ADDRESS', 'address')}: expected host:port, e.g. localhost:7233 or <ns>.<account>.tmprl.cloud:7233`);
  }
  if (!/^[A-Za-z0-9._-]{1,255}$/.test(namespace)) problems.push(`${sourceOf('namespace', 'TEMPORAL_NAMESPACE', 'namespace')}: expected a namespace name (letters, digits, . _ -)`);
  if (profile.apiKey !== undefined && /\s/.test(profile.apiKey)) problems.push(`${vars.TEMPORAL_API_KEY !== undefined ? 'TEMPORAL_API_KEY' : fromFile('api_key')}: contains white space`);
  problems.push(...tlsProblems(profile, vars, fromFile));
  if (problems.length) throw configError(problems);

  profile.address = address;
  profile.namespace = namespace;
  let connect;
  try {
    connect = toClientOptions(profile);
  } catch (err) {
    throw configError([`TLS files: cannot be read (${(err as { code?: string }).code ?? (err as Error).name})`]);
  }
  const tls = connect.connectionOptions.tls;
  const flagsOn = [tls ? (typeof tls === 'object' && tls.clientCertPair ? 'mTLS' : 'TLS') : undefined, profile.apiKey ? 'API key' : undefined, profileName ? `profile ${profileName}` : undefined];
  const metaKeys = Object.keys(profile.grpcMeta ?? {});
  if (metaKeys.length) flagsOn.push(`gRPC headers ${metaKeys.join(', ')}`);
  const on = flagsOn.filter(Boolean);
  return {
    address,
    namespace,
    profile: profileName,
    connectionOptions: { ...connect.connectionOptions, address },
    summary: `${address} namespace ${namespace}${on.length ? ` (${on.join(', ')})` : ''}`,
  };
}

function tlsProblems(profile: ClientConfigProfile, vars: Record<string, string>, fromFile: (key: string) => string): string[] {
  const tls = profile.tls;
  if (!tls || tls.disabled) return [];
  const problems: string[] = [];
  const parts = [
    { field: 'clientCert', env: 'TEMPORAL_TLS_CLIENT_CERT', key: 'tls.client_cert' },
    { field: 'clientKey', env: 'TEMPORAL_TLS_CLIENT_KEY', key: 'tls.client_key' },
    { field: 'serverCACert', env: 'TEMPORAL_TLS_SERVER_CA_CERT', key: 'tls.server_ca_cert' },
  ] as const;
  for (const p of parts) {
    const source = tls[p.field];
    if (!source) continue;
    if ('path' in source) {
      const name = vars[`${p.env}_PATH`] !== undefined ? `${p.env}_PATH` : fromFile(`${p.key}_path`);
      if (!readable(source.path)) problems.push(`${name}: no readable file at that path`);
      else if (!isPem(readFileSync(source.path, 'utf8'))) problems.push(`${name}: the file is not PEM (no "-----BEGIN" line)`);
    } else {
      const name = vars[`${p.env}_DATA`] !== undefined ? `${p.env}_DATA` : fromFile(`${p.key}_data`);
      const text = typeof source.data === 'string' ? source.data : Buffer.from(source.data).toString('utf8');
      if (!isPem(text)) problems.push(`${name}: not PEM (no "-----BEGIN" line)`);
    }
  }
  if (!!tls.clientCert !== !!tls.clientKey) {
    problems.push('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (or their _DATA forms): mTLS needs both the client certificate and its key');
  }
  return problems;
}

const isPem = (text: string) => text.includes('-----BEGIN');

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function configError(problems: string[]): ConfigError {
  return new ConfigError(`invalid Temporal connection settings:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/** A client on its own connection; `close()` closes the connection. Fails within 5 s when nothing answers. */
export async function connectClient(settings: TemporalSettings): Promise<{ client: Client; connection: Connection; close(): Promise<void> }> {
  const connection = await Connection.connect({ ...settings.connectionOptions, connectTimeout: '5s' });
  return { client: new Client({ connection, namespace: settings.namespace }), connection, close: () => connection.close() };
}
