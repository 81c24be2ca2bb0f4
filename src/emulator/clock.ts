/**
 * Emulated clock. Emulated time runs `timeScale` times faster than real time and can be jumped forward.
 * It is anchored (emulated ms at a real ms) and the anchor is persisted, so a restarted emulator continues
 * from where it was, counting the downtime as elapsed time, as the real service keeps training while you are away.
 */
export interface ClockAnchor {
  realMs: number;
  emuMs: number;
}

export class EmulatedClock {
  private anchor: ClockAnchor;

  constructor(
    readonly timeScale: number,
    anchor?: ClockAnchor,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
    const real = this.realNow();
    // Re-anchor at start so a changed time scale applies from now on only.
    const emu = anchor ? anchor.emuMs + (real - anchor.realMs) * timeScale : real;
    this.anchor = { realMs: real, emuMs: emu };
  }

  /** Emulated epoch milliseconds. */
  now(): number {
    return Math.floor(this.anchor.emuMs + (this.realNow() - this.anchor.realMs) * this.timeScale);
  }

  /** Jumps emulated time forward by `ms` emulated milliseconds. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`advance needs a non-negative number of ms, got ${ms}`);
    this.anchor = { ...this.anchor, emuMs: this.anchor.emuMs + ms };
  }

  /** Real milliseconds until the emulated clock reaches `emuMs` (0 if already there). */
  realDelayUntil(emuMs: number): number {
    return Math.max(0, (emuMs - this.now()) / this.timeScale);
  }

  snapshot(): ClockAnchor {
    return { ...this.anchor };
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2025-11-11 11:22:22` (UTC), the fine-tune job time format. */
export function fmtJobTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `2025-11-11T17:46:53.294`, the deployment / checkpoint time format. */
export function fmtIsoLocal(ms: number, withMs = true): string {
  const iso = new Date(ms).toISOString();
  return withMs ? iso.slice(0, 23) : iso.slice(0, 19);
}

/** `2025-09-25 11:07:28.590`, the async task time format. */
export function fmtTaskTime(ms: number): string {
  return `${fmtJobTime(ms)}.${pad(new Date(ms).getUTCMilliseconds(), 3)}`;
}

/** `2025-11-11 11:23:37,315`, the training log line prefix. */
export function fmtLogTime(ms: number): string {
  return `${fmtJobTime(ms)},${pad(new Date(ms).getUTCMilliseconds(), 3)}`;
}

/** `yyyyMMddHHmm` used inside job ids. */
export function fmtIdStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}`;
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
