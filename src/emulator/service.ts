/** The emulated service's state and clock, shared by the route handlers. */
import { EmulatedClock } from './clock';
import { MediaSigner } from './media';
import { StateStore } from './store';
import { jobStatus, scheduleJobs } from './timeline';
import type { Ctx } from './http';
import type { DeploymentRecord, DeploymentStatus, ExportRecord, ExportStatus, FileRecord, JobRecord, TaskRecord } from './types';
import { MINUTE, SECOND, HOUR } from './clock';

export const DEPLOYMENT_DELETE_MS = 1 * MINUTE;
export const EXPORT_PENDING_MS = 1 * MINUTE;
export const EXPORT_PROCESSING_MS = 4 * MINUTE;
export const TASK_PENDING_MS = 10 * SECOND;
export const TASK_RUNNING_MS = 90 * SECOND;
export const TASK_TTL_MS = 24 * HOUR;
export const SETTLE_MS = 2 * MINUTE;

export interface ServiceOptions {
  dataDir: string;
  timeScale: number;
  maxConcurrentJobs: number;
  maxUploadBytes: number;
  /**
   * The documented rule "Only 20 fine-tune job in running or succeeded allowed per user": jobs that are not FAILED,
   * CANCELED or deleted count; creating one more is 429 Throttling. Default 20.
   */
  maxJobsPerAccount: number;
  /** Beyond the documents (opt-in): `epoch … step … loss` log lines and `output.progress` on GET. */
  extraProgress: boolean;
}

export class Service {
  readonly store: StateStore;
  readonly clock: EmulatedClock;
  readonly media: MediaSigner;

  constructor(readonly opts: ServiceOptions) {
    this.store = new StateStore(opts.dataDir);
    this.clock = new EmulatedClock(opts.timeScale, this.store.state.clock);
    this.media = new MediaSigner(this.store.state.secret, () => this.clock.now());
    this.save();
  }

  get state() {
    return this.store.state;
  }

  now(): number {
    return this.clock.now();
  }

  save(): void {
    this.store.state.clock = this.clock.snapshot();
    this.store.save();
  }

  /** Brings derived-but-stored facts (jobs leaving the queue) up to date. */
  refresh(): void {
    let changed = scheduleJobs(this.state.jobs.filter((j) => !j.deleted), this.now(), this.opts.maxConcurrentJobs);
    const live = this.state.tasks.filter((t) => this.taskStatus(t) !== 'UNKNOWN');
    if (live.length !== this.state.tasks.length) {
      this.state.tasks = live; // expired tasks answer UNKNOWN whether stored or not
      changed = true;
    }
    if (changed) this.save();
  }

  /** The origin to put in media URLs: the Host the caller used. */
  origin(ctx: Ctx): string {
    const host = ctx.req.headers.host;
    return host ? `http://${host}` : 'http://127.0.0.1';
  }

  file(id: string): FileRecord | undefined {
    return this.state.files.find((f) => f.id === id);
  }

  job(id: string): JobRecord | undefined {
    return this.state.jobs.find((j) => j.jobId === id && !j.deleted);
  }

  jobStatus(job: JobRecord) {
    return jobStatus(job, this.now());
  }

  exportStatus(e: ExportRecord): ExportStatus {
    const age = this.now() - e.createdAt;
    if (age < EXPORT_PENDING_MS) return 'PENDING';
    if (age < EXPORT_PENDING_MS + EXPORT_PROCESSING_MS) return 'PROCESSING';
    return e.outcome;
  }

  /** A deployment's status now, or null when its deletion has completed. */
  deploymentStatus(d: DeploymentRecord): DeploymentStatus | null {
    const now = this.now();
    if (d.deletedAt !== undefined) return now < d.deletedAt + DEPLOYMENT_DELETE_MS ? 'DELETING' : null;
    if (d.forced && now >= d.forced.at) {
      const settles = d.forced.status === 'ARREARS_RECOVERING' || d.forced.status === 'UPDATING';
      return settles && now >= d.forced.at + SETTLE_MS ? 'RUNNING' : d.forced.status;
    }
    return now < d.readyAt ? 'PENDING' : 'RUNNING';
  }

  /** The live (not fully deleted) deployment named `name`. */
  deployment(name: string): DeploymentRecord | undefined {
    return this.state.deployments.find((d) => d.deployedModel === name && this.deploymentStatus(d) !== null);
  }

  taskStatus(t: TaskRecord): 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'CANCELED' | 'UNKNOWN' {
    const age = this.now() - t.submittedAt;
    if (age >= TASK_TTL_MS) return 'UNKNOWN';
    if (t.canceledAt !== undefined) return 'CANCELED';
    if (age < TASK_PENDING_MS) return 'PENDING';
    return age < TASK_PENDING_MS + TASK_RUNNING_MS ? 'RUNNING' : 'SUCCEEDED';
  }
}
