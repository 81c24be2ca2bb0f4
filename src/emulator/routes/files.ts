/** Files: the OpenAI-compatible API (/compatible-mode/v1/files) and the native one (/api/v1/files). */
import { randomBytes, randomUUID } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { fmtJobTime } from '../clock';
import { ApiError, badParam, intParam, type Ctx } from '../http';
import { output, type Reply, type Router } from '../router';
import type { Service } from '../service';
import type { FileRecord } from '../types';
import { discard, parseUpload, tooLargeError, type UploadedPart } from '../upload';

const PURPOSE = 'fine-tune';

function compatView(f: FileRecord) {
  return { id: f.id, object: 'file', bytes: f.bytes, created_at: Math.floor(f.createdAt / 1000), filename: f.filename, purpose: f.purpose, status: 'processed', status_details: null };
}

function nativeView(f: FileRecord) {
  return {
    file_id: f.id, id: f.id, name: f.filename, description: f.description, size: f.bytes, md5: f.md5,
    gmt_create: fmtJobTime(f.createdAt), url: null, region: 'ap-southeast-1', user_id: '5000000000000000', api_key_id: 'emulator', purpose: f.purpose,
  };
}

function storeFile(svc: Service, part: UploadedPart, api: FileRecord['api'], purpose: string, description: string): FileRecord {
  const id = api === 'compatible' ? `file-ft-${randomBytes(16).toString('hex')}` : randomUUID();
  const blob = `${id}.zip`;
  renameSync(part.tmpPath, svc.store.blobPath(blob));
  const rec: FileRecord = { id, api, filename: part.filename, purpose, description, bytes: part.bytes, md5: part.md5, createdAt: svc.now(), blob };
  svc.state.files.push(rec);
  return rec;
}

function zipProblem(part: UploadedPart, maxBytes: number): ApiError | null {
  if (part.tooLarge) return tooLargeError(maxBytes);
  if (!/\.zip$/i.test(part.filename)) return badParam(`file "${part.filename}" is not supported: a fine-tune dataset must be a .zip file.`, 'file');
  if (part.bytes === 0) return badParam(`file "${part.filename}" is empty.`, 'file');
  return null;
}

function removeFile(svc: Service, id: string): FileRecord {
  const f = svc.file(id);
  if (!f) throw new ApiError(404, 'NotFound', `File ${id} not found.`, 'file_id');
  svc.state.files = svc.state.files.filter((x) => x !== f);
  svc.save();
  rmSync(svc.store.blobPath(f.blob), { force: true });
  return f;
}

function sortedFiles(svc: Service): FileRecord[] {
  return [...svc.state.files].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
}

async function compatUpload(ctx: Ctx, svc: Service): Promise<Reply> {
  const up = await parseUpload(ctx, svc.store.tmpDir, svc.opts.maxUploadBytes);
  try {
    const files = up.files.filter((f) => f.field === 'file');
    const purpose = up.fields.purpose?.[0];
    if (files.length === 0) throw badParam('file is required: send the .zip dataset as the multipart field "file".', 'file');
    if (files.length > 1) throw badParam('Only one "file" field may be sent per request.', 'file');
    if (purpose === undefined) throw badParam('purpose is required and must be "fine-tune".', 'purpose');
    if (purpose !== PURPOSE) throw badParam(`purpose must be "fine-tune", got "${purpose}".`, 'purpose');
    const problem = zipProblem(files[0], svc.opts.maxUploadBytes);
    if (problem) throw problem;
    const rec = storeFile(svc, files[0], 'compatible', purpose, '');
    svc.save();
    ctx.effect = 'file.created';
    ctx.resourceId = rec.id;
    return { status: 200, body: compatView(rec) };
  } finally {
    discard(up);
  }
}

function compatList(ctx: Ctx, svc: Service): Reply {
  const limit = intParam(ctx.query, 'limit', 2000, 1, 2000);
  const after = ctx.query.get('after');
  const purpose = ctx.query.get('purpose');
  const before = ctx.query.get('create_before');
  const since = ctx.query.get('create_after');
  let all = sortedFiles(svc);
  if (purpose) all = all.filter((f) => f.purpose === purpose);
  if (before) all = all.filter((f) => f.createdAt / 1000 < Number(before));
  if (since) all = all.filter((f) => f.createdAt / 1000 > Number(since));
  if (after) {
    const i = all.findIndex((f) => f.id === after);
    if (i < 0) throw badParam(`after must be the id of a listed file; "${after}" was not found.`, 'after');
    all = all.slice(i + 1);
  }
  return { status: 200, body: { object: 'list', has_more: all.length > limit, data: all.slice(0, limit).map(compatView) } };
}

function compatGet(ctx: Ctx, svc: Service): Reply {
  const f = svc.file(ctx.params[0]);
  if (!f) throw new ApiError(404, 'NotFound', `File ${ctx.params[0]} not found.`, 'file_id');
  return { status: 200, body: compatView(f) };
}

function compatDelete(ctx: Ctx, svc: Service): Reply {
  const f = removeFile(svc, ctx.params[0]);
  ctx.effect = 'file.deleted';
  ctx.resourceId = f.id;
  return { status: 200, body: { object: 'file', deleted: true, id: f.id } };
}

async function nativeUpload(ctx: Ctx, svc: Service): Promise<Reply> {
  const up = await parseUpload(ctx, svc.store.tmpDir, svc.opts.maxUploadBytes);
  try {
    const files = up.files.filter((f) => f.field === 'files' || f.field === 'file');
    const purpose = up.fields.purpose?.[0] ?? PURPOSE;
    if (purpose !== PURPOSE) throw badParam(`purpose must be "fine-tune", got "${purpose}".`, 'purpose');
    if (files.length === 0) throw badParam('files is required: send one or more multipart fields "files".', 'files');
    const descriptions = up.fields.descriptions ?? up.fields.description ?? [];
    const uploaded: Array<{ name: string; file_id: string }> = [];
    const failed: Array<{ name: string; code: string; message: string }> = [];
    files.forEach((part, i) => {
      const problem = zipProblem(part, svc.opts.maxUploadBytes);
      if (problem) failed.push({ name: part.filename, code: problem.code, message: problem.message });
      else uploaded.push({ name: part.filename, file_id: storeFile(svc, part, 'native', purpose, descriptions[i] ?? '').id });
    });
    if (uploaded.length) {
      svc.save();
      ctx.effect = 'file.created';
      ctx.resourceId = uploaded.map((u) => u.file_id).join(',');
    }
    return { status: 200, body: { request_id: ctx.requestId, data: { uploaded_files: uploaded, failed_uploads: failed } } };
  } finally {
    discard(up);
  }
}

function nativeList(ctx: Ctx, svc: Service): Reply {
  const pageNo = intParam(ctx.query, 'page_no', 1, 1, 1_000_000);
  const pageSize = intParam(ctx.query, 'page_size', 10, 1, 100);
  const all = sortedFiles(svc);
  const files = all.slice((pageNo - 1) * pageSize, pageNo * pageSize).map(nativeView);
  return { status: 200, body: { request_id: ctx.requestId, data: { total: all.length, page_no: pageNo, page_size: pageSize, files } } };
}

function nativeGet(ctx: Ctx, svc: Service): Reply {
  const f = svc.file(ctx.params[0]);
  if (!f) throw new ApiError(404, 'NotFound', `File ${ctx.params[0]} not found.`);
  return { status: 200, body: { request_id: ctx.requestId, data: nativeView(f) } };
}

function nativeDelete(ctx: Ctx, svc: Service): Reply {
  const f = removeFile(svc, ctx.params[0]);
  ctx.effect = 'file.deleted';
  ctx.resourceId = f.id;
  return output(ctx, { file_id: f.id, deleted: true });
}

export function fileRoutes(r: Router): void {
  r.add('POST', /^\/compatible-mode\/v1\/files\/?$/, compatUpload)
    .add('GET', /^\/compatible-mode\/v1\/files\/?$/, compatList)
    .add('GET', /^\/compatible-mode\/v1\/files\/([^/]+)$/, compatGet)
    .add('DELETE', /^\/compatible-mode\/v1\/files\/([^/]+)$/, compatDelete)
    .add('POST', /^\/api\/v1\/files\/?$/, nativeUpload)
    .add('GET', /^\/api\/v1\/files\/?$/, nativeList)
    .add('GET', /^\/api\/v1\/files\/([^/]+)$/, nativeGet)
    .add('DELETE', /^\/api\/v1\/files\/([^/]+)$/, nativeDelete);
}
