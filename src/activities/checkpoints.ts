import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { ConflictError, type DashScope } from '../dashscope';
import { PIPELINE_FAILURE_TYPES } from '../workflows/options';
import type { CheckpointInfo, PreviewResult } from '../workflows/types';
import { checkpointStep, compareCheckpoints } from '../workflows/util';
import { downloadTo } from './download';
import { createCallOptions, finalFailure, notDoneYet } from './errors';

const EXPORT_DONE = 'SUCCEEDED';

/** File in the previews folder that lists each checkpoint's samples with their prompts (read by the review page). */
export const PREVIEW_MANIFEST = 'manifest.json';

export interface PreviewManifest {
  jobId: string;
  checkpoints: string[];
  samples: { checkpoint: string; sample: number; prompt?: string; video?: string; firstFrame?: string }[];
}
const EXPORT_FINAL = new Set(['FAILED', 'UNSUPPORTED']);

function extensionOf(url: string, fallback: string): string {
  const m = /\.([A-Za-z0-9]{2,5})(?:\?|$)/.exec(url);
  return m ? m[1].toLowerCase() : fallback;
}

export function createCheckpointActivities(ds: DashScope) {
  return {
    /** Downloads every checkpoint's validation previews (videos and their first frames) before the URLs expire. */
    async collectPreviews(args: { jobId: string; dir: string }): Promise<PreviewResult> {
      const results = await ds.fineTunes.validationResults(args.jobId);
      const checkpoints = results.map((r) => r.checkpoint).sort((a, b) => checkpointStep(a) - checkpointStep(b));
      const files: string[] = [];
      const samples: PreviewManifest['samples'] = [];
      const signal = cancellationSignal();
      for (const checkpoint of checkpoints) {
        let i = 0;
        for await (const detail of ds.fineTunes.validationDetails(args.jobId, checkpoint)) {
          i++;
          samples.push({
            checkpoint,
            sample: i,
            prompt: detail.prompt ?? undefined,
            video: detail.video_path ? `${checkpoint}/sample-${i}.${extensionOf(detail.video_path, 'mp4')}` : undefined,
            firstFrame: detail.first_frame_path ? `${checkpoint}/sample-${i}-first-frame.${extensionOf(detail.first_frame_path, 'jpg')}` : undefined,
          });
          for (const [url, name] of [
            [detail.video_path, `sample-${i}.${extensionOf(detail.video_path ?? '', 'mp4')}`],
            [detail.first_frame_path, `sample-${i}-first-frame.${extensionOf(detail.first_frame_path ?? '', 'jpg')}`],
          ] as const) {
            if (!url) continue;
            const dest = join(args.dir, checkpoint, name);
            await downloadTo(url, dest, signal);
            files.push(dest);
            heartbeat({ files: files.length });
          }
        }
      }
      // What the review page shows: each sample's prompt and its files, relative to the previews folder.
      await mkdir(args.dir, { recursive: true });
      const manifest: PreviewManifest = { jobId: args.jobId, checkpoints, samples };
      const tmp = join(args.dir, `${PREVIEW_MANIFEST}.part-${process.pid}`);
      await writeFile(tmp, JSON.stringify(manifest, null, 2));
      await rename(tmp, join(args.dir, PREVIEW_MANIFEST));
      return { checkpoints, files };
    },

    /** Checkpoints of a finished job (validation results merged with export state), ordered by step. */
    async listCheckpoints(jobId: string): Promise<CheckpointInfo[]> {
      const [results, exported] = await Promise.all([ds.fineTunes.validationResults(jobId), ds.fineTunes.checkpoints(jobId)]);
      const byName = new Map<string, CheckpointInfo>();
      for (const r of results) byName.set(r.checkpoint, { checkpoint: r.checkpoint, step: checkpointStep(r.checkpoint) });
      for (const c of exported) {
        byName.set(c.checkpoint, {
          checkpoint: c.checkpoint,
          step: checkpointStep(c.checkpoint),
          exportStatus: c.status,
          modelName: c.model_name ?? undefined,
        });
      }
      return [...byName.values()].sort(compareCheckpoints);
    },

    /**
     * Starts the export of a checkpoint exactly once: when the checkpoint already shows an export (an earlier attempt's
     * response was lost), it is adopted; a 409 for our own name is adopted too; a 409 for a name someone else holds is final.
     */
    async exportCheckpoint(args: { jobId: string; checkpoint: string; modelName: string }): Promise<{ adopted: boolean }> {
      const current = await findExport(ds, args.jobId, args.checkpoint);
      if (current && !EXPORT_FINAL.has(current.status)) {
        log.info('export already started; adopting it', { ...args, status: current.status });
        return { adopted: true };
      }
      try {
        const ok = await ds.fineTunes.export(args.jobId, args.checkpoint, args.modelName, createCallOptions());
        if (!ok) throw new Error(`export of ${args.checkpoint} was not accepted (output=false); retrying`);
        return { adopted: false };
      } catch (err) {
        if (err instanceof ConflictError) {
          const mine = await findExport(ds, args.jobId, args.checkpoint);
          if (mine && (mine.model_display_name === args.modelName || activityInfo().attempt > 1)) return { adopted: true };
          throw finalFailure(PIPELINE_FAILURE_TYPES.modelNameTaken, `model_name "${args.modelName}" is already taken: ${err.message}`);
        }
        throw err;
      }
    },

    /** One check of an export; returns the deployable model_name once SUCCEEDED. */
    async pollExport(args: { jobId: string; checkpoint: string }): Promise<string> {
      const c = await findExport(ds, args.jobId, args.checkpoint);
      if (!c) throw notDoneYet(`export of ${args.checkpoint} not listed yet`);
      if (c.status === EXPORT_DONE && c.model_name) return c.model_name;
      if (EXPORT_FINAL.has(c.status)) {
        const message = (c as { message?: string }).message;
        throw finalFailure(
          PIPELINE_FAILURE_TYPES.exportFailed,
          `export of ${args.checkpoint} of ${args.jobId} ended ${c.status}${message ? `: ${message}` : ''}`,
        );
      }
      throw notDoneYet(`export of ${args.checkpoint} ${c.status}`);
    },
  };
}

async function findExport(ds: DashScope, jobId: string, checkpoint: string) {
  return (await ds.fineTunes.checkpoints(jobId)).find((c) => c.checkpoint === checkpoint);
}
