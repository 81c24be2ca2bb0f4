/**
 * Training progress from the signals Model Studio documents (notes §9.1), and the adaptive poll interval it drives.
 *
 * A Wan job's log holds timestamped INFO milestones (`… - INFO - data process succeeded, start to fine-tune`),
 * untimestamped ` Actual number of consumed tokens is N !` lines and, after the last of them, a RUNNING tail of
 * transfer, delivery and checkpoint saving (16:31:40 → 16:49:01 in the reference's example) before `##FT_COMPLETE##`.
 * Progress is consumed tokens against the planned total (the cost estimate's formula), timed by when each value was
 * first seen; `epoch e/n` lines, where a service prints them, refine it. The tail cannot be seen until it starts, so
 * the ETA states it separately ("training 75 %, then ~17 min transfer and checkpoint saving").
 *
 * Pure and deterministic (no I/O, times passed in): used by the poll activity, the workflow and the CLI.
 */

/** Phases of a job as its status and log milestones tell them. */
export type TrainingPhase = 'waiting' | 'queued' | 'data' | 'training' | 'transfer' | 'deliver' | 'saving' | 'done';

/** What the poll remembers between checks (activity heartbeat, then the snapshot): small and bounded. */
export interface TrainingTrack {
  /** Log lines consumed so far; the next read starts after them (the log is never re-read from its start). */
  logPos: number;
  /** The last log line consumed (detects whether `offset` is 0- or 1-based, which is undocumented). */
  lastLine?: string;
  phase: TrainingPhase;
  /** Latest consumed-token count and the interval in which it appeared (previous check, first seen). */
  tokens?: { n: number; afterMs: number; seenMs: number };
  /** `epoch e/n` from the log, when a service prints it (a bonus). */
  epoch?: { e: number; n: number };
  /** Latest timestamped milestone: its service time and when it was first seen. */
  milestone?: { phase: TrainingPhase; serviceMs: number; seenMs: number };
  /** Service time of "data process succeeded, start to fine-tune". */
  trainingStartServiceMs?: number;
  /** First time this poll saw the job training (an upper bound of the start, in local time). */
  trainingSeenMs?: number;
  /** Clock anchor: the job's create_time (service) and the local time just before the create request. */
  anchor?: { serviceMs: number; localMs: number };
  /** Service milliseconds per local millisecond (≥ 1; an emulator runs faster), from milestones against the anchor. */
  scale?: number;
  /** Local time of the previous check. */
  lastCheckMs?: number;
}

/**
 * The reference's tail (model-studio-wan-video-fine-tuning-api.ja.txt, logs example): service time from each milestone
 * to `finetune-job succeeded`.
 */
export const REFERENCE_TAIL_MS: Partial<Record<TrainingPhase, number>> = {
  training: 1_041_000, // the whole tail: 16:31:40,760 → 16:49:01,738
  transfer: 1_040_978,
  deliver: 992_576, // 16:32:29,162 →
  saving: 513_954, // 16:40:28,784 →
  done: 0,
};

const MILESTONES: Array<[RegExp, TrainingPhase]> = [
  [/data process succeeded/i, 'training'],
  [/fine-tuned output got/i, 'transfer'],
  [/transfer for inference succeeded/i, 'deliver'],
  [/start to save checkpoint/i, 'saving'],
  [/finetune-job succeeded|##FT_COMPLETE##/, 'done'],
];
const ORDER: TrainingPhase[] = ['waiting', 'queued', 'data', 'training', 'transfer', 'deliver', 'saving', 'done'];
const later = (a: TrainingPhase, b: TrainingPhase) => ORDER.indexOf(a) > ORDER.indexOf(b);

const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[,.](\d{1,3}))?/;

/** Service time (ms, read as UTC: only differences are used) of `2025-11-11 11:23:37,315` or `2025-11-11 11:22:22`. */
export function serviceTimeMs(s: string | undefined): number | undefined {
  const m = s ? TIMESTAMP.exec(s) : null;
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? +m[7].padEnd(3, '0') : 0);
}

/** ` Actual number of consumed tokens is 215040 !` → 215040. */
export function parseConsumedTokens(line: string): number | undefined {
  const m = /Actual number of consumed tokens is\s+(\d+)/i.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** `epoch 120/400` (an extra some services print) → {e, n}. */
export function parseEpochLine(line: string): { e: number; n: number } | undefined {
  const m = /\bepoch\D{0,3}(\d+)\s*\/\s*(\d+)/i.exec(line);
  return m && Number(m[2]) > 0 ? { e: Number(m[1]), n: Number(m[2]) } : undefined;
}

/** The phase the job's status alone tells. */
export function phaseOfStatus(status: string): TrainingPhase | undefined {
  if (status === 'PENDING') return 'waiting';
  if (status === 'QUEUING') return 'queued';
  if (status === 'RUNNING') return 'data';
  if (status === 'SUCCEEDED') return 'done';
  return undefined;
}

/** Folds newly read log lines (in order) and the job's status, seen at local time `nowMs`, into the track. */
export function observe(track: TrainingTrack, status: string, lines: string[], nowMs: number): TrainingTrack {
  const t: TrainingTrack = { ...track };
  const fromStatus = phaseOfStatus(status);
  if (fromStatus && later(fromStatus, t.phase)) t.phase = fromStatus;
  if (status === 'RUNNING' && t.trainingSeenMs === undefined) t.trainingSeenMs = nowMs;
  for (const line of lines) {
    const tokens = parseConsumedTokens(line);
    if (tokens !== undefined) {
      if (!t.tokens || tokens !== t.tokens.n) t.tokens = { n: tokens, afterMs: t.lastCheckMs ?? nowMs, seenMs: nowMs };
      if (later('training', t.phase)) t.phase = 'training';
      continue;
    }
    const epoch = parseEpochLine(line);
    if (epoch) t.epoch = epoch;
    const at = serviceTimeMs(line);
    for (const [re, phase] of MILESTONES) {
      if (!re.test(line)) continue;
      if (phase === 'training' && at !== undefined) t.trainingStartServiceMs = at;
      if (!later(t.phase, phase)) t.phase = phase;
      // A line read again (lost heartbeat) keeps the time it was first seen.
      if (at !== undefined && !(t.milestone?.phase === phase && t.milestone.serviceMs === at)) t.milestone = { phase, serviceMs: at, seenMs: nowMs };
      break;
    }
    if (at !== undefined && t.anchor) {
      const local = nowMs - t.anchor.localMs;
      const service = at - t.anchor.serviceMs;
      // Seen late, never early: each ratio is a lower bound of the service's clock rate; the real service runs at 1.
      if (local > 0 && service > 0) t.scale = Math.max(t.scale ?? 1, service / local);
    }
  }
  if (lines.length) t.lastLine = lines[lines.length - 1];
  t.lastCheckMs = nowMs;
  return t;
}

/** Where a job stands, for people and for the poll interval. All durations in local milliseconds. */
export interface TrainingEstimate {
  phase: TrainingPhase;
  /** Fraction of training done, 0..1 (1 once the transfer has started), when the log has told it. */
  fraction?: number;
  consumedTokens?: number;
  plannedTokens?: number;
  /** Training time left, when a rate is known. */
  trainingLeftMs?: number;
  /** The phases after training that the log has not shown yet (or what is left of them), from the reference's tail. */
  tailLeftMs?: number;
  /** trainingLeftMs + tailLeftMs, when both are known. */
  etaMs?: number;
}

/** Estimates the job's progress and time left at local time `nowMs`. */
export function estimate(track: TrainingTrack, plannedTokens: number | undefined, nowMs: number): TrainingEstimate {
  const scale = Math.max(1, track.scale ?? 1);
  const est: TrainingEstimate = { phase: track.phase, consumedTokens: track.tokens?.n, plannedTokens };
  const inTail = later(track.phase, 'training');
  if (inTail) est.fraction = 1;
  else if (track.epoch) est.fraction = Math.min(1, track.epoch.e / track.epoch.n);
  else if (track.tokens && plannedTokens && plannedTokens > 0) est.fraction = Math.min(0.99, track.tokens.n / plannedTokens);

  if (track.phase === 'done') {
    est.trainingLeftMs = 0;
    est.tailLeftMs = 0;
  } else if (inTail) {
    est.trainingLeftMs = 0;
    const m = track.milestone;
    const left = REFERENCE_TAIL_MS[track.phase] ?? REFERENCE_TAIL_MS.training!;
    const since = m && m.phase === track.phase ? nowMs - localTimeOf(track, m.serviceMs, m.seenMs) : 0;
    est.tailLeftMs = Math.max(0, Math.round(left / scale - since));
  } else {
    est.tailLeftMs = Math.round(REFERENCE_TAIL_MS.training! / scale);
    const start = trainingStartLocalMs(track);
    const f = est.fraction;
    if (f !== undefined && f > 0 && start !== undefined && track.tokens) {
      // The value appeared between the previous check and the one that saw it: take the middle.
      const at = (track.tokens.afterMs + track.tokens.seenMs) / 2;
      const spent = at - start;
      if (spent > 0) est.trainingLeftMs = Math.max(0, Math.round((spent * (1 - f)) / f - (nowMs - at)));
    }
  }
  if (est.trainingLeftMs !== undefined && est.tailLeftMs !== undefined) est.etaMs = est.trainingLeftMs + est.tailLeftMs;
  return est;
}

/** Local time of a service timestamp: through the anchor when there is one, else when it was first seen. */
function localTimeOf(track: TrainingTrack, serviceMs: number, seenMs: number): number {
  if (!track.anchor) return seenMs;
  const scale = Math.max(1, track.scale ?? 1);
  return Math.min(seenMs, track.anchor.localMs + (serviceMs - track.anchor.serviceMs) / scale);
}

function trainingStartLocalMs(track: TrainingTrack): number | undefined {
  if (track.trainingStartServiceMs !== undefined && track.anchor) {
    return localTimeOf(track, track.trainingStartServiceMs, track.trainingSeenMs ?? Number.POSITIVE_INFINITY);
  }
  return track.trainingSeenMs;
}

/** Bounds of the training poll interval (local ms). */
export interface PollBounds {
  minMs: number;
  maxMs: number;
}

/**
 * The next check: at the earliest plausible end (the ETA less 15 % and one service minute), bounded by
 * [minMs, maxMs]. Far from the end that is maxMs, near it minMs; with no ETA (queued, before the first token line),
 * the job's age within the bounds. A job can still fail at any moment: that is noticed within maxMs.
 */
export function nextPollDelayMs(est: TrainingEstimate, bounds: PollBounds, scale = 1, ageMs?: number): number {
  const { minMs, maxMs } = bounds;
  if (est.etaMs === undefined) {
    // No ETA yet (queued, processing data, before the first token line): back off with the job's age (the next check
    // when the job is twice as old, so its first hour costs about nine checks, three more than the sparsest interval;
    // an emulator running N× faster is checked densely because its jobs are young in our time), within
    // [minMs, maxMs]. Without a known age (a job this pipeline did not create), the sparsest check.
    const byAge = ageMs === undefined ? maxMs : ageMs;
    return Math.round(Math.max(minMs, Math.min(maxMs, byAge)));
  }
  const plausible = est.etaMs * 0.85 - 60_000 / Math.max(1, scale);
  return Math.round(Math.min(maxMs, Math.max(minMs, plausible)));
}

/** Tenth of training done (0..10), or -1 while unknown: a poll returns to the workflow when it grows. */
export function trainingBucket(fraction: number | undefined): number {
  return fraction === undefined ? -1 : Math.floor(fraction * 10);
}

const TAIL_WORDS = 'transfer and checkpoint saving';

/** "training 75 %, ~25m00s, then ~17m21s transfer and checkpoint saving" — honest about what it cannot see. */
export function describeTraining(est: TrainingEstimate, fmt: (ms: number) => string): string {
  switch (est.phase) {
    case 'waiting':
      return 'pending';
    case 'queued':
      return "queued: waiting for the account's single training slot (Model Studio trains one job at a time per account)";
    case 'data':
      return 'processing the dataset';
    case 'done':
      return 'finished';
    case 'training': {
      const pct = est.fraction !== undefined ? `training ${Math.round(est.fraction * 100)} %` : 'training';
      const tokens = est.consumedTokens !== undefined
        ? ` (${est.consumedTokens.toLocaleString('en-US')}${est.plannedTokens ? ` of ~${est.plannedTokens.toLocaleString('en-US')}` : ''} tokens)`
        : '';
      const left = est.trainingLeftMs !== undefined ? `, ~${fmt(est.trainingLeftMs)} left` : '';
      const tail = est.tailLeftMs !== undefined ? `, then ~${fmt(est.tailLeftMs)} ${TAIL_WORDS}` : `, then ${TAIL_WORDS}`;
      return `${pct}${tokens}${left}${tail}`;
    }
    default: {
      const what = est.phase === 'transfer' ? 'transferring the model for inference' : est.phase === 'deliver' ? 'delivering the model for inference' : 'saving checkpoints';
      return `training done; ${what}${est.tailLeftMs !== undefined ? `, ~${fmt(est.tailLeftMs)} left (from the reference's timings)` : ''}`;
    }
  }
}

/** The estimate a snapshot carried when it was taken. */
export function estimateOf(snap: {
  phase?: TrainingPhase; progress?: number; consumedTokens?: number; plannedTokens?: number; trainingLeftMs?: number; tailLeftMs?: number; status: string;
}): TrainingEstimate {
  const phase = snap.phase ?? phaseOfStatus(snap.status) ?? 'training';
  const eta = snap.trainingLeftMs !== undefined && snap.tailLeftMs !== undefined ? snap.trainingLeftMs + snap.tailLeftMs : undefined;
  return {
    phase, fraction: snap.progress, consumedTokens: snap.consumedTokens, plannedTokens: snap.plannedTokens,
    trainingLeftMs: snap.trainingLeftMs, tailLeftMs: snap.tailLeftMs, etaMs: eta,
  };
}

/** The same estimate `elapsedMs` later (the times left shrink; the training part first). */
export function ageEstimate(est: TrainingEstimate, elapsedMs: number): TrainingEstimate {
  if (elapsedMs <= 0) return est;
  const out = { ...est };
  let left = elapsedMs;
  if (out.trainingLeftMs !== undefined) {
    const used = Math.min(out.trainingLeftMs, left);
    out.trainingLeftMs -= used;
    left -= used;
  }
  if (out.tailLeftMs !== undefined && (out.trainingLeftMs === 0 || out.trainingLeftMs === undefined)) out.tailLeftMs = Math.max(0, out.tailLeftMs - left);
  if (out.trainingLeftMs !== undefined && out.tailLeftMs !== undefined) out.etaMs = out.trainingLeftMs + out.tailLeftMs;
  return out;
}
