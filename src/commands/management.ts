/**
 * Model Studio management from the CLI: `jobs list|get|logs|cancel|delete`, `checkpoints`, `previews`, `export`,
 * `deployments list|get|delete`. Each runs as a short Temporal workflow (src/operations.ts), so the API key stays in the
 * worker: these commands need only Temporal access. Tables by default, `--json` for scripts (as the openai and together
 * CLIs do); destructive commands confirm on a terminal, take `--yes` in scripts, and refuse what a running pipeline owns
 * unless `--force`.
 */
import { createInterface } from 'node:readline/promises';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { downloadTo, redactQuery } from '../activities/download';
import { FINE_TUNE_STATUSES, type Deployment, type FineTuneJob } from '../dashscope/schemas';
import { OperationError, runningOwners, runOperation, type Owner } from '../operations';
import type { OperationRequest, OperationResults } from '../workflows/management-types';
import { durationToMs } from '../workflows/util';
import { addTemporalFlags, printJson, temporalConfig, withClient, type TemporalFlags } from './common';

interface OpFlags extends TemporalFlags {
  yes?: boolean;
  force?: boolean;
}

// ------------------------------------------------------------------ argument rules

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

function idArg(what: string, example: string) {
  return (v: string): string => {
    if (!ID_RE.test(v)) throw new InvalidArgumentError(`must be ${what} such as ${example} (letters, digits, ".", "_" and "-")`);
    return v;
  };
}
const jobArg = idArg('a fine-tune job id', 'ft-202511111122-ab12');
const checkpointArg = idArg('a checkpoint name', 'checkpoint-160');
const deploymentArg = idArg('a deployed model name', 'wan2.5-i2v-preview-ft-202511111122-ab12');

/** The export's model_name rule from the reference: Chinese characters, English letters, digits, "_" and "-". */
function modelNameArg(v: string): string {
  if (!/^[\p{Script=Han}A-Za-z0-9_-]+$/u.test(v)) throw new InvalidArgumentError('may contain only Chinese characters, English letters, digits, "_" and "-" (the name must be globally unique)');
  return v;
}

function limitArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be an integer from 1 to 1000');
  return n;
}

function statusArg(v: string): string {
  const s = v.toUpperCase();
  if (!(FINE_TUNE_STATUSES as readonly string[]).includes(s)) throw new InvalidArgumentError(`must be one of ${FINE_TUNE_STATUSES.join(', ')}`);
  return s;
}

function durationArg(v: string): string {
  let ms: number;
  try {
    ms = durationToMs(v as Duration);
  } catch {
    throw new InvalidArgumentError('must be a duration such as 500ms, 10s or 1m');
  }
  if (ms < 100 || ms > 600_000) throw new InvalidArgumentError('must be between 100ms and 10m');
  return v;
}

// ------------------------------------------------------------------ running, errors

function withOpFlags(cmd: Command, destructive = false): Command {
  addTemporalFlags(cmd).option('--task-queue <name>', "the workers' task queue (env WANFLOW_TASK_QUEUE, default \"wanflow\")");
  if (destructive) {
    cmd.option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)');
    cmd.option('--force', 'act even when a running pipeline owns it (the pipeline then fails or loses it)');
  }
  return cmd;
}

/** What an operation is about, for messages. */
function subject(req: OperationRequest): string {
  switch (req.op) {
    case 'deployments.get':
    case 'deployments.delete':
      return `deployment ${req.deployedModel}`;
    case 'previews':
    case 'export':
      return `checkpoint ${req.checkpoint} of fine-tune job ${req.jobId}`;
    case 'jobs.list':
    case 'deployments.list':
      return 'the listing';
    default:
      return `fine-tune job ${req.jobId}`;
  }
}

/** The failure of an operation as the sentence a user needs: what was refused, the API's own reason, what to do. */
export function describeFailure(req: OperationRequest, e: OperationError, taskQueue = 'wanflow'): string {
  const api = e.message;
  switch (e.type) {
    case 'NotFoundError':
      return `${subject(req)} not found: Model Studio answered ${api}`;
    case 'InvalidParameterError':
      if (e.code === 'UnsupportedOperation') {
        const hint =
          req.op === 'jobs.delete'
            ? `; only SUCCEEDED, FAILED or CANCELED jobs can be deleted (cancel it first: wanflow jobs cancel ${req.jobId})`
            : req.op === 'jobs.cancel'
              ? '; only PENDING, QUEUING or RUNNING jobs can be cancelled'
              : req.op === 'export'
                ? '; a checkpoint can be exported once its job SUCCEEDED'
                : '';
        return `Model Studio refused this for ${subject(req)} (400 UnsupportedOperation): ${api}${hint}`;
      }
      return `Model Studio rejected the request for ${subject(req)}: ${api}`;
    case 'ConflictError':
      return req.op === 'export'
        ? `Model Studio refused the export of ${subject(req)} as "${req.modelName}" (409 Conflict): ${api}; model names are global, so choose another --model-name (a checkpoint is exported once: wanflow checkpoints ${req.jobId} shows its name)`
        : `conflict for ${subject(req)}: ${api}`;
    case 'AuthenticationError':
    case 'PermissionDeniedError':
      return `Model Studio refused the worker's API key (its DASHSCOPE_API_KEY): ${api}`;
    case 'ExportFailed':
      return api;
    case 'InvalidOperation':
      return `bad request: ${api}`;
    case 'Timeout':
      return `the operation on ${subject(req)} did not finish within its time limit (${api}); is a worker (wanflow worker) running on task queue "${taskQueue}"? Nothing acts after the limit`;
    case 'RateLimitError':
    case 'ServerError':
    case 'ConnectionError':
    case 'ConnectionResetError':
    case 'TimeoutError':
      return `Model Studio did not answer for ${subject(req)} after retries: ${api}`;
    default:
      return `${subject(req)}: ${api}`;
  }
}

/** Runs one operation for a command: waits for it, maps a failure to a clear message (and a JSON error with --json). */
async function op<R extends OperationRequest>(client: Client, cfg: { taskQueue: string }, req: R, flags: TemporalFlags, signal?: AbortSignal): Promise<OperationResults[R['op']]> {
  try {
    return await runOperation(client, req, {
      taskQueue: cfg.taskQueue,
      signal,
      onNoWorker: ({ workflowId, taskQueue }) =>
        process.stderr.write(`wanflow: no worker has picked up ${workflowId} yet; is a worker (wanflow worker) running on task queue "${taskQueue}"? Waiting…\n`),
    });
  } catch (err) {
    if (!(err instanceof OperationError) || signal?.aborted) throw err;
    if (flags.json) printJson({ error: err.toJSON() });
    throw new Error(`${describeFailure(req, err, cfg.taskQueue)}\n  (operation ${err.workflowId})`);
  }
}

/** Connects, then runs `fn` with the client and the resolved configuration. */
function withOps(flags: TemporalFlags, fn: (client: Client, cfg: ReturnType<typeof temporalConfig>) => Promise<void>): Promise<void> {
  const cfg = temporalConfig(flags);
  return withClient(cfg, (client) => fn(client, cfg));
}

/**
 * The guard of every destructive command: refuses what a running pipeline owns (unless --force), then asks on a
 * terminal, or requires --yes when stdin is not one.
 */
async function guard(client: Client, flags: OpFlags, kind: 'job' | 'deployment', id: string, action: string): Promise<Owner[]> {
  const owners = await runningOwners(client, kind, id);
  const names = owners.map((o) => `${o.workflowId}${o.stage ? ` (stage ${o.stage})` : ''}`).join(', ');
  if (owners.length > 0 && !flags.force) {
    throw new Error(
      `${kind === 'job' ? 'fine-tune job' : 'deployment'} ${id} belongs to the running pipeline ${names}; ` +
        `cancel the pipeline instead (wanflow cancel ${owners[0].workflowId}: it cleans up what it created), or pass --force to ${action} it anyway`,
    );
  }
  if (owners.length > 0) process.stderr.write(`wanflow: --force: ${action} ${id}, which the running pipeline ${names} uses\n`);
  if (flags.yes) return owners;
  if (!process.stdin.isTTY) {
    throw new Error(`refusing to ${action} ${kind === 'job' ? 'fine-tune job' : 'deployment'} ${id} without confirmation: stdin is not a terminal; pass --yes`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${action[0].toUpperCase()}${action.slice(1)} ${kind === 'job' ? 'fine-tune job' : 'deployment'} ${id}? [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new Error(`not confirmed; nothing was done to ${id}`);
  } finally {
    rl.close();
  }
  return owners;
}

// ------------------------------------------------------------------ output

/** A plain table: a header row and aligned columns (the last one unpadded). */
export function table(headers: string[], rows: (string | number | undefined | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined || c === null || c === '' ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

function fields(pairs: [string, unknown][]): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n') + '\n';
}

const out = (s: string) => void process.stdout.write(s);

function jobFields(j: FineTuneJob, owners: Owner[]): string {
  return fields([
    ['job', j.job_id],
    ['name', j.job_name !== j.job_id ? j.job_name : undefined],
    ['status', j.status],
    ['model', j.model],
    ['finetuned output', j.finetuned_output],
    ['created', j.create_time],
    ['ended', j.end_time],
    ['usage (tokens)', j.usage],
    ['checkpoints', j.output_cnt !== undefined && j.output_cnt !== null ? `${j.output_cnt}${j.max_output_cnt ? ` of at most ${j.max_output_cnt}` : ''}` : undefined],
    ['training files', j.training_file_ids?.join(', ')],
    ['validation files', j.validation_file_ids?.length ? j.validation_file_ids.join(', ') : undefined],
    ['hyper-parameters', j.hyper_parameters],
    ['message', j.message],
    ['pipeline', owners.map((o) => o.workflowId).join(', ') || undefined],
  ]);
}

function deploymentFields(d: Deployment): string {
  return fields([
    ['deployed model', d.deployed_model],
    ['status', d.status],
    ['model name', d.model_name],
    ['base model', d.base_model],
    ['plan', d.plan],
    ['capacity', d.capacity],
    ['created', d.gmt_create],
    ['modified', d.gmt_modified],
    ['message', d.message],
  ]);
}

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;

// ------------------------------------------------------------------ jobs

function jobsCommand(): Command {
  const jobs = new Command('jobs').description('Fine-tune jobs on Model Studio: list, get, logs, cancel, delete (through a worker; no API key needed here)');

  jobs.addCommand(
    withOpFlags(
      new Command('list')
        .description('List fine-tune jobs, newest first')
        .option('--status <status>', `only jobs in this status (${FINE_TUNE_STATUSES.join(', ')})`, statusArg)
        .option('--model <base-model>', 'only jobs of this base model (e.g. wan2.5-i2v-preview)')
        .option('--limit <n>', 'at most n jobs', limitArg, 20),
    )
      .addHelpText('after', examples(['wanflow jobs list', 'wanflow jobs list --status SUCCEEDED --limit 50', 'wanflow jobs list --model wan2.2-i2v-flash --json']))
      .action(async (flags: TemporalFlags & { status?: string; model?: string; limit: number }) => {
        await withOps(flags, async (client, cfg) => {
          const r = await op(client, cfg, { op: 'jobs.list', status: flags.status, model: flags.model, limit: flags.limit }, flags);
          if (flags.json) return printJson(r);
          if (r.jobs.length === 0) return out('no fine-tune jobs match\n');
          out(table(['JOB', 'STATUS', 'MODEL', 'CREATED', 'USAGE', 'FINETUNED OUTPUT'], r.jobs.map((j) => [j.job_id, j.status, j.model, j.create_time, j.usage, j.finetuned_output])));
          if (r.more) out(`(more jobs match; --limit ${Math.min(1000, flags.limit * 2)} shows more)\n`);
        });
      }),
  );

  jobs.addCommand(
    withOpFlags(new Command('get').description("Show a fine-tune job: status, model, usage, output, hyper-parameters, the pipeline that runs it").argument('<job>', 'fine-tune job id', jobArg))
      .addHelpText('after', examples(['wanflow jobs get ft-202511111122-ab12', 'wanflow jobs get ft-202511111122-ab12 --json']))
      .action(async (jobId: string, flags: TemporalFlags) => {
        await withOps(flags, async (client, cfg) => {
          const job = await op(client, cfg, { op: 'jobs.get', jobId }, flags);
          const owners = await runningOwners(client, 'job', jobId);
          if (flags.json) return printJson({ ...job, pipelines: owners });
          out(jobFields(job, owners));
        });
      }),
  );

  jobs.addCommand(
    withOpFlags(
      new Command('logs')
        .description("Print a fine-tune job's log; --follow keeps printing new lines until the job ends (Ctrl-C stops)")
        .argument('<job>', 'fine-tune job id', jobArg)
        .option('-f, --follow', 'keep printing new lines until the job ends')
        .option('--interval <duration>', 'with --follow: how often the worker checks for new lines', durationArg, '10s'),
    )
      .addHelpText('after', examples(['wanflow jobs logs ft-202511111122-ab12', 'wanflow jobs logs ft-202511111122-ab12 --follow', 'wanflow jobs logs ft-202511111122-ab12 --json']))
      .action(async (jobId: string, flags: TemporalFlags & { follow?: boolean; interval: string }) => {
        await withOps(flags, async (client, cfg) => followLogs(client, cfg, jobId, flags));
      }),
  );

  for (const [verb, action, description] of [
    ['cancel', 'cancel', 'Cancel a PENDING, QUEUING or RUNNING fine-tune job (tokens consumed so far are billed)'],
    ['delete', 'delete', 'Delete an ended fine-tune job (the service allows 20 running or succeeded jobs per user)'],
  ] as const) {
    jobs.addCommand(
      withOpFlags(new Command(verb).description(description).argument('<job>', 'fine-tune job id', jobArg), true)
        .addHelpText('after', examples([`wanflow jobs ${verb} ft-202511111122-ab12`, `wanflow jobs ${verb} ft-202511111122-ab12 --yes --json`]))
        .action(async (jobId: string, flags: OpFlags) => {
          await withOps(flags, async (client, cfg) => {
            await guard(client, flags, 'job', jobId, action);
            if (verb === 'cancel') {
              const job = await op(client, cfg, { op: 'jobs.cancel', jobId }, flags);
              if (flags.json) return printJson(job);
              out(`cancel requested: ${jobId} is ${job.status}\n`);
            } else {
              const r = await op(client, cfg, { op: 'jobs.delete', jobId }, flags);
              if (flags.json) return printJson(r);
              out(`deleted ${jobId}\n`);
            }
          });
        }),
    );
  }
  return jobs;
}

/**
 * `jobs logs [--follow]`: one short workflow per poll, the offset (lines already printed) kept here and passed as its
 * input, so no poll re-reads the log from its start. With --follow each poll waits on the worker (benign NotDoneYet
 * retries at --interval, nothing written to history meanwhile) until there are new lines or the job has ended, at most
 * 5 minutes; quiet hours of training thus cost a workflow per 5 minutes, not per check. The other design, one long
 * workflow buffering lines for queries, would keep the lines in history or worker memory and outlive a detached CLI.
 */
async function followLogs(client: Client, cfg: { taskQueue: string }, jobId: string, flags: TemporalFlags & { follow?: boolean; interval: string }): Promise<void> {
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  if (flags.follow) process.once('SIGINT', onSigint);
  let offset = 0;
  const all: string[] = [];
  let last: OperationResults['jobs.logs'] | undefined;
  try {
    for (;;) {
      const req: OperationRequest = flags.follow ? { op: 'jobs.logs', jobId, offset, waitMs: 5 * 60_000, pollInterval: flags.interval } : { op: 'jobs.logs', jobId, offset };
      let r: OperationResults['jobs.logs'];
      try {
        r = (await op(client, cfg, req, flags, ac.signal)) as OperationResults['jobs.logs'];
      } catch (err) {
        if (ac.signal.aborted) break;
        throw err;
      }
      last = r;
      r.lines.forEach((text, i) => {
        if (flags.json && flags.follow) out(`${JSON.stringify({ jobId, line: r.offset + i + 1, text })}\n`);
        else if (flags.json) all.push(text);
        else out(`${text}\n`);
      });
      offset = r.nextOffset;
      const caughtUp = offset >= r.total;
      if (!flags.follow && (caughtUp || r.lines.length === 0)) break;
      // An ended job with nothing more to give is done, even if `total` counts lines the service does not return
      // (the reference's example shows total 25 with 9 lines).
      if (flags.follow && r.ended && (caughtUp || r.lines.length === 0)) break;
      if (ac.signal.aborted) break;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (flags.json && !flags.follow) return printJson({ jobId, status: last?.status, total: last?.total ?? 0, lines: all });
  if (flags.json) return out(`${JSON.stringify({ jobId, status: last?.status, ended: Boolean(last?.ended), total: last?.total ?? offset })}\n`);
  if (flags.follow) process.stderr.write(ac.signal.aborted ? `stopped following ${jobId} (${last?.status ?? 'status unknown'})\n` : `${jobId} ended ${last?.status}\n`);
}

// ------------------------------------------------------------------ checkpoints, previews, export

function checkpointsCommand(): Command {
  return withOpFlags(
    new Command('checkpoints')
      .description("A job's checkpoints: which have validation previews, their export status and deployable model names")
      .argument('<job>', 'fine-tune job id', jobArg),
  )
    .addHelpText('after', examples(['wanflow checkpoints ft-202511111122-ab12', 'wanflow checkpoints ft-202511111122-ab12 --json']))
    .action(async (jobId: string, flags: TemporalFlags) => {
      await withOps(flags, async (client, cfg) => {
        const r = await op(client, cfg, { op: 'checkpoints', jobId }, flags);
        if (flags.json) return printJson(r);
        out(`${jobId} ${r.jobStatus}${r.finetunedOutput ? `; final output ${r.finetunedOutput}` : ''}\n`);
        if (r.jobStatus !== 'SUCCEEDED') out('(validation results are listed once the job has SUCCEEDED)\n');
        if (r.checkpoints.length === 0) return out('no checkpoints\n');
        out(
          table(
            ['CHECKPOINT', 'PREVIEWS', 'EXPORT', 'MODEL NAME', 'DISPLAY NAME'],
            r.checkpoints.map((c) => [c.checkpoint, c.validated ? 'yes' : 'no', c.exportStatus ?? 'not exported', c.modelName, c.modelDisplayName]),
          ),
        );
      });
    });
}

function extensionOf(url: string, fallback: string): string {
  const m = /\.([A-Za-z0-9]{2,5})(?:\?|$)/.exec(url);
  return m ? m[1].toLowerCase() : fallback;
}

function previewsCommand(): Command {
  return withOpFlags(
    new Command('previews')
      .description("A checkpoint's validation previews (prompt, video and first-frame links, valid 24 h); --download saves them on this machine")
      .argument('<job>', 'fine-tune job id', jobArg)
      .argument('<checkpoint>', 'checkpoint name (see wanflow checkpoints <job>)', checkpointArg)
      .option('--download <dir>', 'download every video and frame into <dir>/<checkpoint>/ (atomically; files already there are kept)'),
  )
    .addHelpText(
      'after',
      examples(['wanflow previews ft-202511111122-ab12 checkpoint-160', 'wanflow previews ft-202511111122-ab12 checkpoint-160 --download previews/']) +
        '\nThe links are signed storage URLs the worker gets from Model Studio; --download fetches them from this machine without any API key.\n',
    )
    .action(async (jobId: string, checkpoint: string, flags: TemporalFlags & { download?: string }) => {
      await withOps(flags, async (client, cfg) => {
        const r = await op(client, cfg, { op: 'previews', jobId, checkpoint }, flags);
        const files: string[] = [];
        if (flags.download) {
          const dir = join(resolve(flags.download), checkpoint);
          let i = 0;
          for (const p of r.previews) {
            i++;
            for (const [url, name] of [
              [p.video_path, `sample-${i}.${extensionOf(p.video_path ?? '', 'mp4')}`],
              [p.first_frame_path, `sample-${i}-first-frame.${extensionOf(p.first_frame_path ?? '', 'jpg')}`],
              [p.last_frame_path, `sample-${i}-last-frame.${extensionOf(p.last_frame_path ?? '', 'jpg')}`],
            ] as const) {
              if (!url) continue;
              const dest = join(dir, name);
              try {
                await downloadTo(url, dest);
              } catch (err) {
                throw new Error(`download of ${redactQuery(url)} to ${dest} failed: ${(err as Error).message}`);
              }
              files.push(dest);
            }
          }
        }
        if (flags.json) return printJson({ ...r, files: flags.download ? files : undefined });
        if (r.previews.length === 0) return out(`no validation previews for ${checkpoint} of ${jobId}\n`);
        r.previews.forEach((p, i) => {
          out(`sample-${i + 1}  ${p.prompt ? truncate(p.prompt, 100) : ''}\n`);
          if (p.video_path) out(`  video        ${p.video_path}\n`);
          if (p.first_frame_path) out(`  first frame  ${p.first_frame_path}\n`);
          if (p.last_frame_path) out(`  last frame   ${p.last_frame_path}\n`);
        });
        if (flags.download) out(`downloaded ${files.length} file(s) to ${join(resolve(flags.download), checkpoint)}\n`);
      });
    });
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function exportCommand(): Command {
  return withOpFlags(
    new Command('export')
      .description('Export a checkpoint as a deployable model; --wait until the export SUCCEEDED and print its model name')
      .argument('<job>', 'fine-tune job id', jobArg)
      .argument('<checkpoint>', 'checkpoint name (see wanflow checkpoints <job>)', checkpointArg)
      .requiredOption('--model-name <name>', 'display name of the export, globally unique (Chinese characters, letters, digits, "_", "-")', modelNameArg)
      .option('--wait', 'wait until the export SUCCEEDED (or failed)')
      .option('--interval <duration>', 'with --wait: how often the worker checks', durationArg, '15s'),
  )
    .addHelpText('after', examples(['wanflow export ft-202511111122-ab12 checkpoint-160 --model-name my-c160 --wait', 'wanflow export ft-202511111122-ab12 checkpoint-160 --model-name my-c160 --json']))
    .action(async (jobId: string, checkpoint: string, flags: TemporalFlags & { modelName: string; wait?: boolean; interval: string }) => {
      await withOps(flags, async (client, cfg) => {
        const r = await op(client, cfg, { op: 'export', jobId, checkpoint, modelName: flags.modelName, wait: Boolean(flags.wait), pollInterval: flags.interval }, flags);
        if (flags.json) return printJson(r);
        if (!r.export) return out(`export of ${checkpoint} of ${jobId} as "${flags.modelName}" requested (wanflow checkpoints ${jobId} shows its status)\n`);
        out(`exported ${checkpoint} of ${jobId}: deployable model ${r.export.model_name}\n  deploy it: wanflow run --from-model ${r.export.model_name} --model <base model>\n`);
      });
    });
}

// ------------------------------------------------------------------ deployments

function deploymentsCommand(): Command {
  const deployments = new Command('deployments').description('Deployments of fine-tuned models: list, get, delete (through a worker; no API key needed here)');

  deployments.addCommand(
    withOpFlags(new Command('list').description('List deployments, newest first').option('--limit <n>', 'at most n deployments', limitArg, 20))
      .addHelpText('after', examples(['wanflow deployments list', 'wanflow deployments list --json']))
      .action(async (flags: TemporalFlags & { limit: number }) => {
        await withOps(flags, async (client, cfg) => {
          const r = await op(client, cfg, { op: 'deployments.list', limit: flags.limit }, flags);
          if (flags.json) return printJson(r);
          if (r.deployments.length === 0) return out('no deployments\n');
          out(table(['DEPLOYED MODEL', 'STATUS', 'BASE MODEL', 'PLAN', 'CREATED'], r.deployments.map((d) => [d.deployed_model, d.status, d.base_model, d.plan, d.gmt_create])));
          if (r.more) out(`(more deployments exist; --limit ${Math.min(1000, flags.limit * 2)} shows more)\n`);
        });
      }),
  );

  deployments.addCommand(
    withOpFlags(new Command('get').description('Show a deployment and its status').argument('<model>', 'deployed model name', deploymentArg))
      .addHelpText('after', examples(['wanflow deployments get wan2.5-i2v-preview-ft-202511111122-ab12', 'wanflow deployments get wan2.5-i2v-preview-ft-202511111122-ab12 --json']))
      .action(async (name: string, flags: TemporalFlags) => {
        await withOps(flags, async (client, cfg) => {
          const d = await op(client, cfg, { op: 'deployments.get', deployedModel: name }, flags);
          if (flags.json) return printJson(d);
          out(deploymentFields(d));
        });
      }),
  );

  deployments.addCommand(
    withOpFlags(new Command('delete').description('Take a deployment offline at once (irreversible; billing stops)').argument('<model>', 'deployed model name', deploymentArg), true)
      .addHelpText('after', examples(['wanflow deployments delete wan2.5-i2v-preview-ft-202511111122-ab12', 'wanflow deployments delete wan2.5-i2v-preview-ft-202511111122-ab12 --yes --json']))
      .action(async (name: string, flags: OpFlags) => {
        await withOps(flags, async (client, cfg) => {
          await guard(client, flags, 'deployment', name, 'delete');
          const d = await op(client, cfg, { op: 'deployments.delete', deployedModel: name }, flags);
          if (flags.json) return printJson(d);
          out(`deployment ${name} is ${d.status}; once it is gone, wanflow deployments get ${name} reports not found\n`);
        });
      }),
  );
  return deployments;
}

/** Every management command, for src/starter.ts. */
export function managementCommands(): Command[] {
  const commands = [jobsCommand(), checkpointsCommand(), previewsCommand(), exportCommand(), deploymentsCommand()];
  // A usage error in a subcommand (`jobs get` without <job>) gets the same hint as the top-level commands.
  for (const group of commands) for (const sub of group.commands) sub.showHelpAfterError('(run with --help for usage and examples)').showSuggestionAfterError();
  return commands;
}
