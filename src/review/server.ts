/**
 * The review page's server (`wanflow review <workflow-id>`): a small node:http server on 127.0.0.1 that serves a static
 * page (src/review/static, no build step), the pipeline's state as JSON, the approveCheckpoint Update, and the
 * pipeline's previews and videos from its artifacts folder, and nothing outside that folder.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { PREVIEW_MANIFEST, type PreviewManifest } from '../activities/checkpoints';
import { queryStatus, rootMessage } from '../commands/follow';
import { approveCheckpointUpdate } from '../workflows/messages';
import type { PipelineStatus } from '../workflows/types';

export interface ReviewServerOptions {
  client: Client;
  workflowId: string;
  /** Default 127.0.0.1: the page can approve, so it is not offered to the network unless asked. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
}

export interface ReviewServer {
  url: string;
  close(): Promise<void>;
}

/** One row of the preview grid: a validation sample, its prompt and first frame, and its video per checkpoint. */
export interface GridRow {
  sample: number;
  prompt?: string;
  firstFrame?: string;
  videos: Record<string, string | undefined>;
}

export interface ReviewState {
  workflowId: string;
  workflowStatus?: string;
  status?: PipelineStatus;
  /** Why the status is missing (no worker answered, pipeline not found). */
  note?: string;
  artifacts: { dir?: string; reachable: boolean; note?: string };
  grid: { checkpoints: string[]; rows: GridRow[] };
  videos: string[];
  serverTimeMs: number;
}

const STATIC_DIR = [join(__dirname, 'static'), join(__dirname, '../../src/review/static')].find((d) => existsSync(join(d, 'index.html')));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.json': 'application/json',
};

const STATIC_FILES = new Set(['index.html', 'app.js', 'style.css']);

export async function startReviewServer(opts: ReviewServerOptions): Promise<ReviewServer> {
  if (!STATIC_DIR) throw new Error('the review page (src/review/static) is missing from this installation');
  const host = opts.host ?? '127.0.0.1';
  const handle = opts.client.workflow.getHandle(opts.workflowId);
  let origin = '';
  /** The artifacts folder never changes once known; files are served without asking the workflow again. */
  let knownDir: string | undefined;

  async function state(): Promise<ReviewState> {
    const out: ReviewState = { workflowId: opts.workflowId, artifacts: { reachable: false }, grid: { checkpoints: [], rows: [] }, videos: [], serverTimeMs: Date.now() };
    try {
      out.workflowStatus = (await handle.describe()).status.name;
    } catch (err) {
      out.note = (err as { name?: string }).name === 'WorkflowNotFoundError' ? `no pipeline with workflow id "${opts.workflowId}"` : `cannot reach Temporal: ${(err as Error).message}`;
      return out;
    }
    out.status = await queryStatus(opts.client, handle).catch(() => undefined);
    if (!out.status) {
      out.note = 'no worker answered the status query within 5 s; start a worker (wanflow worker) to see the pipeline here';
      return out;
    }
    const dir = artifactsDirOf(out.status);
    out.artifacts.dir = dir;
    knownDir = dir;
    if (!dir) {
      out.artifacts.note = 'the pipeline has written no artifacts yet';
      return out;
    }
    out.artifacts.reachable = existsSync(dir);
    if (!out.artifacts.reachable) {
      out.artifacts.note =
        `the previews are in ${dir} on the worker's machine, which this machine cannot read: run wanflow review on the worker's machine, ` +
        'or mount its artifacts folder (a shared volume) at the same path';
      return out;
    }
    const rel = (p: string) => `/files/${relative(dir, p).split(sep).map(encodeURIComponent).join('/')}`;
    out.grid = await gridOf(dir, out.status, rel);
    out.videos = out.status.artifacts.videos.filter((v) => existsSync(v)).map(rel);
    return out;
  }

  async function approve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A JSON body and a matching Origin: another site's page cannot make the browser approve (no simple-form POST).
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return json(res, 415, { ok: false, error: 'send application/json' });
    if (req.headers.origin && req.headers.origin !== origin) return json(res, 403, { ok: false, error: 'cross-origin request refused' });
    let checkpoint: unknown;
    try {
      checkpoint = (JSON.parse(await body(req, 4096)) as { checkpoint?: unknown }).checkpoint;
    } catch {
      return json(res, 400, { ok: false, error: 'body must be JSON {"checkpoint": "..."}' });
    }
    if (typeof checkpoint !== 'string' || !checkpoint) return json(res, 400, { ok: false, error: 'checkpoint: a string ("final" or checkpoint-<step>) is required' });
    try {
      const r = await handle.executeUpdate(approveCheckpointUpdate, { args: [checkpoint] });
      json(res, 200, { ok: true, checkpoint: r.checkpoint });
    } catch (err) {
      // The validator's answer ("not waiting for approval", "unknown checkpoint …") is the user's answer.
      const message = err instanceof WorkflowUpdateFailedError ? rootMessage(err) : (err as Error).message;
      json(res, 409, { ok: false, error: message });
    }
  }

  async function file(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
    if (!knownDir) {
      const s = await queryStatus(opts.client, handle).catch(() => undefined);
      knownDir = s && artifactsDirOf(s);
    }
    const dir = knownDir;
    if (!dir || !existsSync(dir)) return text(res, 404, 'artifacts folder not reachable from this machine');
    const target = await safePath(dir, rawPath);
    if (!target) return text(res, 404, 'not found');
    const info = await stat(target);
    const type = TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream';
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = info.size - 1;
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, info.size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), info.size - 1) : info.size - 1;
      if (start > end || start >= info.size) {
        res.writeHead(416, { 'content-range': `bytes */${info.size}` });
        return void res.end();
      }
      res.writeHead(206, { 'content-type': type, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${info.size}`, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' });
    } else {
      res.writeHead(200, { 'content-type': type, 'content-length': info.size, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' });
    }
    if (req.method === 'HEAD' || info.size === 0) return void res.end();
    createReadStream(target, { start, end }).on('error', () => res.destroy()).pipe(res);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://review.invalid');
      // Only our own host name: a DNS-rebinding page cannot talk to this server under another name.
      if (!allowedHost(req.headers.host, host, port())) return text(res, 421, 'unexpected Host header');
      if (url.pathname === '/api/approve') {
        if (req.method !== 'POST') return text(res, 405, 'POST only');
        return await approve(req, res);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'GET only');
      if (url.pathname === '/api/state') return json(res, 200, await state());
      if (url.pathname.startsWith('/files/')) return await file(req, res, url.pathname.slice('/files/'.length));
      const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
      if (!STATIC_FILES.has(name)) return text(res, 404, 'not found');
      const bytes = await readFile(join(STATIC_DIR!, name));
      res.writeHead(200, { 'content-type': TYPES[extname(name)], 'content-length': bytes.length, 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : bytes);
    })().catch((err: Error) => {
      if (!res.headersSent) text(res, 500, err.message);
      else res.destroy();
    });
  });
  const port = () => (server.address() as AddressInfo | null)?.port ?? 0;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => ok());
  });
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port()}`;
  return {
    url: `${origin}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** The pipeline's artifacts folder: from the status, or (pipelines from before that field) the previews' common parent. */
export function artifactsDirOf(s: PipelineStatus): string | undefined {
  if (s.artifactsDir) return resolve(s.artifactsDir);
  const first = s.artifacts.previews[0] ?? s.artifacts.videos[0];
  const m = first && /^(.*)[\\/](?:previews|videos)[\\/]/.exec(first);
  return m ? resolve(m[1]) : undefined;
}

/**
 * The file `rawPath` (URL-encoded, relative) names under `root`, or undefined when it is not a regular file inside root:
 * no `..`, no absolute paths, no NUL, and no symbolic link leading out of the folder.
 */
export async function safePath(root: string, rawPath: string): Promise<string | undefined> {
  let rel: string;
  try {
    rel = rawPath.split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
  if (!rel || rel.includes('\0') || isAbsolute(rel) || rel.split(/[\\/]/).some((seg) => seg === '..')) return undefined;
  const base = resolve(root);
  const candidate = resolve(base, rel);
  if (!candidate.startsWith(base + sep)) return undefined;
  try {
    const [realBase, realTarget] = await Promise.all([realpath(base), realpath(candidate)]);
    if (!realTarget.startsWith(realBase + sep)) return undefined;
    return (await stat(realTarget)).isFile() ? realTarget : undefined;
  } catch {
    return undefined;
  }
}

/** The preview grid from the manifest collectPreviews wrote, or (without one) from the preview file names. */
async function gridOf(dir: string, s: PipelineStatus, rel: (p: string) => string): Promise<ReviewState['grid']> {
  const previews = join(dir, 'previews');
  const manifest = await readFile(join(previews, PREVIEW_MANIFEST), 'utf8')
    .then((t) => JSON.parse(t) as PreviewManifest)
    .catch(() => undefined);
  const entries: PreviewManifest['samples'] = manifest?.samples ?? [];
  if (!manifest) {
    for (const p of s.artifacts.previews) {
      const m = /[\\/]previews[\\/]([^\\/]+)[\\/]sample-(\d+)(-first-frame)?\.\w+$/.exec(p);
      if (!m) continue;
      const checkpoint = m[1];
      const sample = Number(m[2]);
      let e = entries.find((x) => x.checkpoint === checkpoint && x.sample === sample);
      if (!e) entries.push((e = { checkpoint, sample }));
      const r = relative(previews, p).split(sep).join('/');
      if (m[3]) e.firstFrame = r;
      else e.video = r;
    }
  }
  const step = (c: string) => Number(/(\d+)$/.exec(c)?.[1] ?? Number.NaN);
  const checkpoints = [...new Set([...(manifest?.checkpoints ?? []), ...entries.map((e) => e.checkpoint)])].sort((a, b) => step(a) - step(b) || a.localeCompare(b));
  const rows = new Map<number, GridRow>();
  const file = (r: string | undefined) => (r && existsSync(join(previews, r)) ? rel(join(previews, r)) : undefined);
  for (const e of entries.sort((a, b) => a.sample - b.sample)) {
    let row = rows.get(e.sample);
    if (!row) rows.set(e.sample, (row = { sample: e.sample, videos: {} }));
    row.prompt ??= e.prompt;
    row.firstFrame ??= file(e.firstFrame);
    row.videos[e.checkpoint] = file(e.video);
  }
  return { checkpoints, rows: [...rows.values()] };
}

function allowedHost(header: string | undefined, host: string, port: number): boolean {
  if (!header) return false;
  const names = host === '127.0.0.1' || host === 'localhost' || host === '::1' ? ['127.0.0.1', 'localhost', '[::1]'] : [host.includes(':') ? `[${host}]` : host];
  if (host === '0.0.0.0' || host === '::') return true; // served to the network on purpose: any name
  return names.some((n) => header === `${n}:${port}`);
}

function body(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((ok, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        fail(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const b = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(b), 'cache-control': 'no-store' });
  res.end(b);
}

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(message) });
  res.end(message);
}
