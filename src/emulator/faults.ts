/**
 * Injected faults for customer paths: 429 Throttling (with Retry-After), 500 InternalError, connection resets,
 * slow responses, and lost responses (the effect happens, then the connection is destroyed without a reply).
 * Set as rates, and as "the next N matching requests" rules with an optional method and path regex filter.
 * TEST FAULT, not a service behaviour: `hold` performs the effect, then holds the response (`delayMs`, default 60 s)
 * so a test can kill the client inside the window between "done remotely" and "reply received".
 */
export type FaultKind = '429' | '500' | 'reset' | 'lost' | 'slow' | 'hold';

export interface FaultRule {
  kind: FaultKind;
  /** How many matching requests this rule still applies to. */
  count: number;
  method?: string;
  /** A regular expression matched against the path (without query). */
  path?: string;
  /** For kind 'slow': the delay; defaults to the config's slowMs or 1000. For kind 'hold': how long the response is held (default 60 000). */
  delayMs?: number;
}

export interface FaultConfig {
  rate429?: number;
  rate500?: number;
  rateReset?: number;
  rateLost?: number;
  slowMs?: number;
  retryAfterSeconds?: number;
  next?: FaultRule[];
}

export interface FaultDecision {
  kind?: Exclude<FaultKind, 'slow'>;
  delayMs: number;
  /** For kind 'hold': how long the response is held after the effect. */
  holdMs?: number;
}

const KINDS: FaultKind[] = ['429', '500', 'reset', 'lost', 'slow', 'hold'];
export const DEFAULT_HOLD_MS = 60_000;

/** Validates a fault config from the admin API or CLI, naming the bad field. */
export function parseFaultConfig(input: unknown): FaultConfig {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Error('faults must be a JSON object');
  const o = input as Record<string, unknown>;
  const out: FaultConfig = {};
  for (const k of ['rate429', 'rate500', 'rateReset', 'rateLost'] as const) {
    if (o[k] === undefined || o[k] === null) continue;
    const v = o[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${k} must be a number between 0 and 1`);
    out[k] = v;
  }
  for (const k of ['slowMs', 'retryAfterSeconds'] as const) {
    if (o[k] === undefined || o[k] === null) continue;
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${k} must be a non-negative integer`);
    out[k] = v;
  }
  if (o.next !== undefined && o.next !== null) {
    if (!Array.isArray(o.next)) throw new Error('next must be an array of rules');
    out.next = o.next.map((r, i) => {
      if (!r || typeof r !== 'object') throw new Error(`next[${i}] must be an object`);
      const rule = r as Record<string, unknown>;
      if (!KINDS.includes(rule.kind as FaultKind)) throw new Error(`next[${i}].kind must be one of ${KINDS.join(', ')}`);
      const count = rule.count ?? 1;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw new Error(`next[${i}].count must be a positive integer`);
      if (rule.method !== undefined && typeof rule.method !== 'string') throw new Error(`next[${i}].method must be a string`);
      if (rule.path !== undefined) {
        if (typeof rule.path !== 'string') throw new Error(`next[${i}].path must be a regular expression string`);
        try {
          new RegExp(rule.path);
        } catch {
          throw new Error(`next[${i}].path is not a valid regular expression`);
        }
      }
      if (rule.delayMs !== undefined && (typeof rule.delayMs !== 'number' || rule.delayMs < 0)) throw new Error(`next[${i}].delayMs must be a non-negative number`);
      return { kind: rule.kind as FaultKind, count, method: rule.method as string | undefined, path: rule.path as string | undefined, delayMs: rule.delayMs as number | undefined };
    });
  }
  return out;
}

/** Requests whose effect can be lost: POST, DELETE, and the export GET. */
export function isStateChanging(method: string, path: string): boolean {
  return method === 'POST' || method === 'DELETE' || (method === 'GET' && /^\/api\/v1\/fine-tunes\/[^/]+\/export\//.test(path));
}

export class Faults {
  config: FaultConfig = {};

  constructor(initial?: FaultConfig, private readonly random: () => number = Math.random) {
    if (initial) this.config = parseFaultConfig(initial);
  }

  /** Decides the fault for one customer request, consuming a matching "next" rule first. */
  decide(method: string, path: string): FaultDecision {
    const stateChanging = isStateChanging(method, path);
    let delayMs = this.config.slowMs ?? 0;
    const rules = this.config.next ?? [];
    for (const rule of rules) {
      if (rule.count <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path && !new RegExp(rule.path).test(path)) continue;
      if ((rule.kind === 'lost' || rule.kind === 'hold') && !stateChanging) continue;
      rule.count--;
      this.config.next = rules.filter((r) => r.count > 0);
      if (rule.kind === 'slow') return { delayMs: rule.delayMs ?? (delayMs || 1000) };
      if (rule.kind === 'hold') return { kind: 'hold', delayMs, holdMs: rule.delayMs ?? DEFAULT_HOLD_MS };
      return { kind: rule.kind, delayMs };
    }
    const c = this.config;
    if (c.rateReset && this.random() < c.rateReset) return { kind: 'reset', delayMs };
    if (c.rate500 && this.random() < c.rate500) return { kind: '500', delayMs };
    if (c.rate429 && this.random() < c.rate429) return { kind: '429', delayMs };
    if (stateChanging && c.rateLost && this.random() < c.rateLost) return { kind: 'lost', delayMs };
    delayMs = c.slowMs ?? 0;
    return { delayMs };
  }
}
