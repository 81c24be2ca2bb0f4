import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { getModel } from '../catalog';
import type { DashScope } from '../dashscope';
import { PIPELINE_FAILURE_TYPES } from '../workflows/options';
import type { GeneratedVideo, VideoImage } from '../workflows/types';
import { downloadTo } from './download';
import { createCallOptions, finalFailure, notDoneYet } from './errors';
import { readZipEntries } from './zipEntries';

const MIME: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.bmp': 'image/bmp' };

function dataUri(name: string, bytes: Buffer): string {
  const mime = MIME[extname(name).toLowerCase()];
  if (!mime) throw finalFailure(PIPELINE_FAILURE_TYPES.localFile, `${name}: not a JPEG, PNG, WEBP or BMP image`);
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

/** First (and last) frame of an image input, as data URIs the service accepts. */
async function framesOf(image: VideoImage): Promise<{ first: string; last?: string }> {
  if ('path' in image) return { first: dataUri(image.path, await readFile(image.path)) };
  const jsonl = (await readZipEntries(image.zipPath, ['data.jsonl'])).get('data.jsonl');
  const lines = (jsonl?.toString('utf8') ?? '').split('\n').filter((l) => l.trim());
  const line = lines[image.sample % Math.max(1, lines.length)];
  if (!line) throw finalFailure(PIPELINE_FAILURE_TYPES.localFile, `${image.zipPath}: no data.jsonl samples to take a first frame from`);
  const sample = JSON.parse(line) as { first_frame_path: string; last_frame_path?: string };
  const names = [sample.first_frame_path, ...(sample.last_frame_path ? [sample.last_frame_path] : [])];
  const entries = await readZipEntries(image.zipPath, names);
  const first = entries.get(sample.first_frame_path);
  if (!first) throw finalFailure(PIPELINE_FAILURE_TYPES.localFile, `${image.zipPath}: ${sample.first_frame_path} is missing`);
  const last = sample.last_frame_path ? entries.get(sample.last_frame_path) : undefined;
  return { first: dataUri(sample.first_frame_path, first), last: last ? dataUri(sample.last_frame_path!, last) : undefined };
}

export interface SubmitVideoArgs {
  /**
   * Tasks this pipeline already submitted to the deployment. With `exclusive` (the deployment belongs to this pipeline),
   * a retry adopts a task of the deployment not in this list: the one an earlier attempt submitted before its response
   * was lost. Absent (histories from before this field) means no adoption.
   */
  knownTaskIds?: string[];
  exclusive?: boolean;
  /** Base model the LoRA was trained from: decides the route and the body shape. */
  model: string;
  deployedModel: string;
  image: VideoImage;
  prompt?: string;
  resolution?: string;
}

export function createVideoActivities(ds: DashScope) {
  return {
    /** Submits one video-synthesis task with the deployed LoRA; returns its task id. */
    async submitVideo(args: SubmitVideoArgs): Promise<string> {
      if (activityInfo().attempt > 1 && args.exclusive && args.knownTaskIds) {
        const known = new Set(args.knownTaskIds);
        for await (const t of ds.tasks.list({ model_name: args.deployedModel })) {
          if (!known.has(t.task_id)) {
            log.info('adopting the video task an earlier attempt submitted', { taskId: t.task_id, model: args.deployedModel });
            return t.task_id;
          }
        }
      }
      const spec = getModel(args.model);
      const frames = await framesOf(args.image);
      const resolution = args.resolution ?? spec.loraResolutions[0] ?? '720P';
      const input: Record<string, unknown> =
        spec.mode === 'kf2v'
          ? { first_frame_url: frames.first, ...(frames.last ? { last_frame_url: frames.last } : {}) }
          : { img_url: frames.first };
      if (args.prompt) input.prompt = args.prompt;
      const task = await ds.videoSynthesis.create(
        { model: args.deployedModel, input, parameters: { resolution, prompt_extend: false } },
        { route: spec.route, ...createCallOptions() },
      );
      log.info('video task submitted', { taskId: task.task_id, model: args.deployedModel });
      return task.task_id;
    },

    /** One check of a video task; downloads the video when it SUCCEEDED (its URL lives 24 h). */
    async pollVideo(args: { taskId: string; dir: string }): Promise<GeneratedVideo> {
      const t = await ds.tasks.retrieve(args.taskId);
      if (t.task_status === 'SUCCEEDED' && t.video_url) {
        const path = join(args.dir, `${args.taskId}.mp4`);
        await downloadTo(t.video_url, path, cancellationSignal());
        const seconds = t.usage?.output_video_duration ?? t.usage?.duration ?? t.usage?.video_duration ?? undefined;
        return { taskId: args.taskId, path, ...(typeof seconds === 'number' ? { seconds } : {}) };
      }
      if (t.task_status === 'FAILED' || t.task_status === 'CANCELED' || t.task_status === 'UNKNOWN') {
        throw finalFailure(PIPELINE_FAILURE_TYPES.taskFailed, `video task ${args.taskId} ${t.task_status}${t.message ? `: ${t.code ?? ''} ${t.message}` : ''}`);
      }
      throw notDoneYet(`video task ${args.taskId} ${t.task_status}`);
    },
  };
}
