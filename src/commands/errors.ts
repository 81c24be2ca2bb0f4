/**
 * The one way a CLI command reports an error: the message, the cause chain down to the server's own reason and gRPC
 * status, and what to do next. `main()` in src/starter.ts and the worker entry point print through it; commands just
 * throw. No bare SDK message ("Failed to start Workflow") ever reaches the user alone.
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../configError';
import { SearchAttributesMissingError } from '../temporal/searchAttributes';

const GRPC_STATUS: Record<number, string> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

interface Link {
  message: string;
  code?: number;
  details?: string;
}

/** The error and its causes, outermost first (a Temporal ServiceError wraps the gRPC error that carries the status). */
export function causeChain(err: unknown): Link[] {
  const links: Link[] = [];
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e !== undefined && e !== null && !seen.has(e) && links.length < 10) {
    seen.add(e);
    if (e instanceof Error || typeof e === 'object') {
      const o = e as { message?: string; code?: unknown; details?: unknown; cause?: unknown };
      links.push({
        message: String(o.message ?? e),
        code: typeof o.code === 'number' ? o.code : undefined,
        details: typeof o.details === 'string' ? o.details : undefined,
      });
      e = o.cause;
    } else {
      links.push({ message: String(e) });
      break;
    }
  }
  return links;
}

/** The first gRPC status code in the chain. */
export function grpcStatusOf(err: unknown): number | undefined {
  return causeChain(err).find((l) => l.code !== undefined && GRPC_STATUS[l.code!] !== undefined)?.code;
}

export interface ErrorContext {
  /** host:port the command talked to, for the hints. */
  address?: string;
  namespace?: string;
}

let context: ErrorContext = {};
/** Remembers where the running command connects (set by temporalConfig), so an error's hint can name it. */
export function setErrorContext(ctx: ErrorContext): void {
  context = ctx;
}

function hintFor(err: unknown, ctx: ErrorContext): string | undefined {
  const text = causeChain(err)
    .map((l) => `${l.message} ${l.details ?? ''}`)
    .join(' ');
  const where = ctx.address ? ` at ${ctx.address}` : '';
  if (/no mapping defined for search attribute|search attribute .* (is not defined|not found)/i.test(text)) {
    return 'the namespace lacks wanflow\'s search attributes: run `npx wanflow setup` (or see "Your own Temporal server" in the README)';
  }
  const names = causeChain(err).map((l, i) => (i === 0 ? (err as Error)?.name : undefined));
  if (names[0] === 'WorkflowNotFoundError' || /workflow not found/i.test(text)) return 'check the workflow id (`npx wanflow list --all` shows them), the namespace and the address';
  if (/Namespace .* is not found|namespace .*not found/i.test(text)) return `check the namespace (TEMPORAL_NAMESPACE, --namespace or the profile): the server${where} does not have it`;
  switch (grpcStatusOf(err)) {
    case 14: // UNAVAILABLE
    case 4: // DEADLINE_EXCEEDED
      return `is a Temporal server running${where}? Set TEMPORAL_ADDRESS or --address (or a temporal.toml profile); \`npm start\` runs a local one`;
    case 16: // UNAUTHENTICATED
      return 'the server did not accept the credentials: check TEMPORAL_API_KEY, or the mTLS certificate and key (TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH)';
    case 7: // PERMISSION_DENIED
      return `the credentials may not do this in namespace ${ctx.namespace ?? '(namespace)'}: ask its administrator for the permission, or use a key with it`;
    case 5: // NOT_FOUND
      return 'check the workflow id (`npx wanflow list --all` shows them)';
    default:
      break;
  }
  if (/Failed to connect before the deadline|connect ECONNREFUSED|No connection established/i.test(text)) {
    return `is a Temporal server running${where}? Set TEMPORAL_ADDRESS or --address (or a temporal.toml profile); \`npm start\` runs a local one`;
  }
  if (/handshake|certificate|SSL|TLS/i.test(text)) return 'TLS failed: check TEMPORAL_TLS, TEMPORAL_TLS_SERVER_CA_CERT_PATH and TEMPORAL_TLS_SERVER_NAME (or the profile\'s [profile.<name>.tls])';
  return undefined;
}

/**
 * Formats an error for the terminal: `wanflow: <message>`, then each distinct cause ("caused by: 3 INVALID_ARGUMENT:
 * …"), then "what to do: …". Configuration and search-attribute errors are already complete sentences.
 */
export function formatCliError(err: unknown, ctx: ErrorContext = context, prefix = 'wanflow'): string {
  if (err instanceof ConfigError || err instanceof SearchAttributesMissingError) return `${prefix}: ${err.message}\n`;
  const links = causeChain(err);
  const lines = [`${prefix}: ${links[0]?.message ?? String(err)}`];
  const shown = new Set([links[0]?.message]);
  for (const l of links.slice(1)) {
    const status = l.code !== undefined && GRPC_STATUS[l.code] ? `${l.code} ${GRPC_STATUS[l.code]}: ` : '';
    const text = l.details ?? l.message;
    // grpc-js messages already start with "3 INVALID_ARGUMENT: "; do not repeat the status.
    const line = status && !text.startsWith(`${l.code} `) ? `${status}${text}` : text;
    if (shown.has(line) || shown.has(text)) continue;
    shown.add(line);
    lines.push(`  caused by: ${line}`);
  }
  const hint = hintFor(err, ctx);
  if (hint) lines.push(`  what to do: ${hint}`);
  return `${lines.join('\n')}\n`;
}

/** Prints the error (formatCliError) to stderr and returns the exit code to use (usage errors keep commander's). */
export function reportCliError(err: unknown, ctx: ErrorContext = context, prefix = 'wanflow'): number {
  if (err instanceof CommanderError) return err.exitCode;
  process.stderr.write(formatCliError(err, ctx, prefix));
  return 1;
}
