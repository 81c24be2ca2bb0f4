/**
 * wanflow's custom search attributes (src/workflows/search-attributes.ts) on a Temporal server wanflow did not start.
 *
 * The workflow sets them at start and upserts them as it goes; on a namespace that lacks one, the start fails with
 * INVALID_ARGUMENT, or worse, a workflow task fails hours later. So the worker (at start), `wanflow setup` and
 * `wanflow run` check them through the operator service first, add the missing ones where the server allows it
 * (a self-hosted server or dev server with operator rights), and otherwise stop with one message that names what is
 * missing and the exact commands that create it (Temporal Cloud: tcld or the Cloud UI).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TypedSearchAttributes, type SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType, type SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import type { Connection } from '@temporalio/client';
import { WANFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** What the check needs of a connection: `Connection` (client) and `NativeConnection` (worker) both have these. */
export interface OperatorConnection {
  operatorService: Pick<Connection['operatorService'], 'listSearchAttributes' | 'addSearchAttributes'>;
  workflowService: Pick<Connection['workflowService'], 'countWorkflowExecutions'>;
}

export interface EnsureOptions {
  namespace: string;
  /** Shown in the commands of the refusal message (`--address`). */
  address: string;
  /** Add what is missing (default true); false only reports. */
  add?: boolean;
  /** Progress lines ("added WanflowStage (Keyword)"). */
  log?: (line: string) => void;
  /** How long to wait for added attributes to become usable (the frontend caches namespace metadata). */
  settleTimeoutMs?: number;
}

export interface EnsureResult {
  present: string[];
  added: string[];
}

const GRPC = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12, UNAUTHENTICATED: 16 } as const;
const GRPC_NAMES: Record<number, string> = { 1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS', 7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 12: 'UNIMPLEMENTED', 13: 'INTERNAL', 14: 'UNAVAILABLE', 16: 'UNAUTHENTICATED' };
const grpcCode = (err: unknown): number | undefined => (err as { code?: unknown })?.code as number | undefined;
/** Codes that mean "this caller may not (or this endpoint does not) manage search attributes". */
const REFUSED = new Set<number>([GRPC.PERMISSION_DENIED, GRPC.UNIMPLEMENTED, GRPC.UNAUTHENTICATED]);

/** The namespace lacks attributes wanflow needs and wanflow could not add them. */
export class SearchAttributesMissingError extends Error {
  override readonly name = 'SearchAttributesMissingError';
  constructor(
    readonly namespace: string,
    readonly missing: string[],
    readonly wrongType: { name: string; actual: string }[],
    readonly reason: string,
    readonly commands: string[],
  ) {
    super(
      [
        `namespace "${namespace}" lacks search attributes wanflow needs: ${[...missing.map((m) => `${m} (Keyword)`), ...wrongType.map((w) => `${w.name} (is ${w.actual}, must be Keyword)`)].join(', ')}.`,
        `wanflow could not fix this itself: ${reason}.`,
        'Nothing was started. Create them once, with operator rights, then start again:',
        ...commands.map((c) => `  ${c}`),
      ].join('\n'),
    );
  }
}

const typeName = (t: SearchAttributeType) => TypedSearchAttributes.toMetadataType(t);

/** The commands that create the missing attributes: Temporal CLI (self-hosted, dev server) and tcld (Temporal Cloud). */
export function searchAttributeCommands(namespace: string, address: string, names: string[]): string[] {
  const keys = WANFLOW_SEARCH_ATTRIBUTES.filter((k) => names.includes(k.name));
  const cloud = /\.tmprl\.cloud:\d+$|\.api\.temporal\.io:\d+$/.test(address);
  const cli = keys.map((k) => `temporal operator search-attribute create --address ${address} --namespace ${namespace} --name ${k.name} --type ${typeName(k.type)}`);
  const tcld = `tcld namespace search-attributes add --namespace ${namespace} ${keys.map((k) => `--search-attribute "${k.name}=${typeName(k.type)}"`).join(' ')}`;
  return cloud
    ? [`# Temporal Cloud (tcld, or the namespace's page in the Cloud UI):`, tcld, '# a self-hosted server:', ...cli]
    : [...cli, '# on Temporal Cloud instead (tcld, or the namespace\'s page in the Cloud UI):', tcld];
}

function describeRefusal(rpc: string, err: unknown): string {
  const code = grpcCode(err);
  const details = (err as { details?: string }).details || (err as Error).message.replace(/^\d+ [A-Z_]+: /, '');
  return `the server refused OperatorService.${rpc} (${code !== undefined ? `${code} ${GRPC_NAMES[code] ?? ''}`.trim() : 'error'}: ${details})`;
}

/**
 * The attributes of the namespace, by name → type name ("Keyword"). Through the operator service when it answers;
 * when it refuses (Temporal Cloud API keys without admin rights), by probing each attribute with a visibility count
 * query (INVALID_ARGUMENT = not defined), which any namespace reader may do. `null`: the probe cannot tell the type.
 */
async function currentAttributes(conn: OperatorConnection, namespace: string): Promise<{ attrs: Map<string, string | null>; listRefused?: string }> {
  try {
    const r = await conn.operatorService.listSearchAttributes({ namespace });
    const attrs = new Map<string, string | null>();
    for (const [name, t] of Object.entries(r.customAttributes ?? {})) attrs.set(name, typeNameOf(t));
    return { attrs };
  } catch (err) {
    const code = grpcCode(err);
    if (code === undefined || !REFUSED.has(code)) throw err;
    const attrs = new Map<string, string | null>();
    for (const key of WANFLOW_SEARCH_ATTRIBUTES) if (await probe(conn, namespace, key)) attrs.set(key.name, null);
    return { attrs, listRefused: describeRefusal('ListSearchAttributes', err) };
  }
}

function typeNameOf(t: unknown): string {
  const all: SearchAttributeType[] = ['TEXT', 'KEYWORD', 'INT', 'DOUBLE', 'BOOL', 'DATETIME', 'KEYWORD_LIST'];
  const match = all.find((x) => encodeSearchAttributeIndexedValueType(x) === t);
  return match ? typeName(match) : String(t);
}

/** true if a visibility query naming the attribute is accepted (so a workflow may set it). */
async function probe(conn: OperatorConnection, namespace: string, key: SearchAttributeKey<SearchAttributeType>): Promise<boolean> {
  try {
    await conn.workflowService.countWorkflowExecutions({ namespace, query: `${key.name} = 'wanflow-probe'` });
    return true;
  } catch (err) {
    if (grpcCode(err) === GRPC.INVALID_ARGUMENT) return false;
    throw err;
  }
}

/**
 * Makes sure every wanflow search attribute exists with its type: adds the missing ones where allowed, waits until
 * the server accepts them, and throws SearchAttributesMissingError (one message, the commands to run) where not.
 */
export async function ensureSearchAttributes(conn: OperatorConnection, opts: EnsureOptions): Promise<EnsureResult> {
  const { namespace } = opts;
  const { attrs, listRefused } = await currentAttributes(conn, opts.namespace);
  const expected = WANFLOW_SEARCH_ATTRIBUTES.map((k) => ({ name: k.name, type: typeName(k.type), key: k }));
  const wrongType = expected.filter((e) => attrs.has(e.name) && attrs.get(e.name) !== null && attrs.get(e.name) !== e.type).map((e) => ({ name: e.name, actual: attrs.get(e.name)! }));
  const missing = expected.filter((e) => !attrs.has(e.name));
  const present = expected.filter((e) => attrs.has(e.name) && !wrongType.some((w) => w.name === e.name)).map((e) => e.name);
  const fail = (reason: string) =>
    new SearchAttributesMissingError(namespace, missing.map((m) => m.name), wrongType, reason, searchAttributeCommands(namespace, opts.address, [...missing.map((m) => m.name), ...wrongType.map((w) => w.name)]));
  if (wrongType.length) throw fail('an attribute of the same name has another type, and a search attribute\'s type cannot be changed (remove it, or use another namespace)');
  if (!missing.length) return { present, added: [] };
  if (opts.add === false) throw fail('checking only (nothing was added)');
  if (listRefused) throw fail(listRefused);

  try {
    await conn.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((m) => [m.name, encodeSearchAttributeIndexedValueType(m.key.type)!])),
    });
  } catch (err) {
    const code = grpcCode(err);
    if (code === GRPC.ALREADY_EXISTS) {
      // Another worker added them at the same moment: fine, wait for them below.
    } else if (code !== undefined && REFUSED.has(code)) {
      throw fail(describeRefusal('AddSearchAttributes', err));
    } else {
      throw err;
    }
  }
  // The frontend serves namespace metadata from a cache; wait until a query naming each attribute is accepted, so the
  // first workflow start or upsert cannot fail on it.
  const deadline = Date.now() + (opts.settleTimeoutMs ?? 60_000);
  for (const m of missing) {
    while (!(await probe(conn, namespace, m.key))) {
      if (Date.now() > deadline) throw fail(`the server accepted AddSearchAttributes, but ${m.name} was still unknown to queries after ${Math.round((opts.settleTimeoutMs ?? 60_000) / 1000)} s`);
      await sleep(250);
    }
    opts.log?.(`added search attribute ${m.name} (${m.type}) to namespace ${namespace}`);
  }
  return { present, added: missing.map((m) => m.name) };
}
