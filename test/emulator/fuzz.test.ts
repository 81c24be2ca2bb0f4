/**
 * Throws malformed and random requests at every endpoint (random methods, bodies, headers, truncated multipart,
 * broken HTTP), then checks the emulator still serves, never answered 5xx, and its state is intact.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { readdirSync } from 'node:fs';
import { api, buildDatasetZip, cleanup, KEY, startTestEmulator, tempDir, uploadCompat, waitFor } from './helpers';

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);

test(`fuzz (seed ${SEED}): the emulator survives malformed input with its state intact`, async () => {
  const dir = tempDir();
  const emu = await startTestEmulator({ timeScale: 1, maxUploadBytes: 256 * 1024 });
  const rand = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  try {
    const zip = await buildDatasetZip(dir, 'train.zip');
    const fileId = (await uploadCompat(emu.url, zip)).body.id;
    const job = (await api(emu.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.5-i2v-preview', training_file_ids: [fileId], training_type: 'efficient_sft' })).body.output;
    const before = (await api(emu.url, 'GET', '/__emulator/state')).body;

    const paths = [
      '/compatible-mode/v1/files', `/compatible-mode/v1/files/${fileId}x`, '/api/v1/files', '/api/v1/files/%E0%A4%A',
      '/api/v1/fine-tunes', '/api/v1/fine-tunes/ft-000000000000-0000', `/api/v1/fine-tunes/${job.job_id}/logs?offset=-5&line=abc`,
      `/api/v1/fine-tunes/${job.job_id}/checkpoints`, `/api/v1/fine-tunes/${job.job_id}/validation-results`,
      `/api/v1/fine-tunes/${job.job_id}/validation-details/checkpoint-x?page_no=0`, `/api/v1/fine-tunes/${job.job_id}/export/checkpoint-1?model_name=%00`,
      '/api/v1/fine-tunes/x/cancel', '/api/v1/deployments', '/api/v1/deployments/..%2F..%2Fstate.json', '/api/v1/services/aigc/video-generation/video-synthesis',
      '/api/v1/services/aigc/image2video/video-synthesis', '/api/v1/tasks/x', '/api/v1/tasks/x/cancel', '/oss/finetune-swap-emulator/a.mp4?Expires=abc&Signature=x',
      '/compatible-mode/v1/files?limit=1e9&after=zz', '/api/v1/files?page_no=NaN', '/', '//api//v1', '/api/v1/fine-tunes?page_size=-1',
    ];
    const methods = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'];
    const weird: unknown[] = [
      null, 0, -1, 1e308, 'x', true, [], {}, [null], { a: { b: { c: [1, { d: null }] } } }, '😀'.repeat(50), 2 ** 53 + 1, { model: { $ne: 1 } },
    ];
    const randomJsonBody = () => {
      const body: Record<string, unknown> = {};
      for (const k of ['model', 'training_file_ids', 'validation_file_ids', 'training_type', 'hyper_parameters', 'model_name', 'capacity', 'plan', 'aigc_config', 'input', 'parameters']) {
        if (rand() < 0.5) body[k] = pick(weird);
      }
      if (rand() < 0.3) body.hyper_parameters = { n_epochs: pick(weird), batch_size: pick(weird), split: pick(weird), lora_rank: pick(weird) };
      if (rand() < 0.3) body.model = pick(['wan2.5-i2v-preview', 'wan2.2-kf2v-flash', job.finetuned_output]);
      if (rand() < 0.3) body.training_file_ids = [fileId, pick(weird)];
      return JSON.stringify(body);
    };
    const bodies = [
      () => randomJsonBody(),
      () => randomJsonBody().slice(0, Math.floor(rand() * 40)),
      () => Buffer.from(Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))),
      () => '',
      () => '{"a":' + '['.repeat(5000),
    ];
    const contentTypes = ['application/json', 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=zzz', 'application/x-www-form-urlencoded', undefined];
    const statuses: number[] = [];

    for (let i = 0; i < 400; i++) {
      const method = pick(methods);
      const headers: Record<string, string> = {};
      if (rand() < 0.85) headers.authorization = rand() < 0.9 ? `Bearer ${KEY}` : pick(['Bearer', 'Basic abc', `Bearer ${KEY}x`, '']);
      const ct = pick(contentTypes);
      if (ct) headers['content-type'] = ct;
      if (rand() < 0.5) headers['x-dashscope-async'] = pick(['enable', 'disable', '']);
      const hasBody = method !== 'GET' && method !== 'HEAD' && rand() < 0.9;
      try {
        const res = await request(`${emu.url}${pick(paths)}`, { method: method as 'GET', headers, body: hasBody ? pick(bodies)() : undefined });
        await res.body.dump();
        statuses.push(res.statusCode);
      } catch {
        statuses.push(-1);
      }
    }

    // Truncated multipart bodies and broken HTTP over raw sockets.
    const { port } = new URL(emu.url);
    const zipBytes = readFileSync(zip);
    const raw = (payload: Buffer | string) =>
      new Promise<void>((resolve) => {
        const s = net.connect(Number(port), '127.0.0.1', () => {
          s.write(payload);
          setTimeout(() => s.destroy(), 20);
        });
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
    for (let i = 0; i < 20; i++) {
      const boundary = 'fuzzboundary';
      const part = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.zip"\r\nContent-Type: application/zip\r\n\r\n`),
        zipBytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const cut = part.subarray(0, Math.floor(rand() * part.length));
      const target = pick(['/compatible-mode/v1/files', '/api/v1/files']);
      await raw(Buffer.concat([Buffer.from(`POST ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${part.length}\r\n\r\n`), cut]));
      // The same body complete but with its closing boundary missing: busboy must reject it, not hang.
      const unterminated = part.subarray(0, part.length - boundary.length - 8);
      const r = await request(`${emu.url}${target}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: unterminated });
      await r.body.dump();
      expect(r.statusCode).toBe(400);
    }
    for (const target of ['http://[', '//api/v1/fine-tunes', '/oss/finetune-swap-emulator/%E0%A4%A.mp4?Expires=1&Signature=x', '*']) {
      await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n\r\n`);
    }
    for (const junk of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'POST /api/v1/fine-tunes HTTP/1.1\r\nContent-Length: -1\r\n\r\n', '\x00\x01\x02\x03']) await raw(junk);

    // Many different answers were exercised: success, client errors of several kinds.
    const distinct = new Set(statuses);
    for (const s of [200, 400, 401, 404, 405]) expect(distinct).toContain(s);
    // Never a 5xx (no faults were configured), and it still serves.
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    const log = (await api(emu.url, 'GET', '/__emulator/requests')).body.requests;
    expect(log.filter((e: { status: number }) => e.status >= 500)).toEqual([]);
    const after = (await api(emu.url, 'GET', '/__emulator/state')).body;
    expect(after.internalErrors).toBe(0);
    expect(after.jobs.find((j: { jobId: string }) => j.jobId === job.job_id)).toEqual(before.jobs[0]);
    expect(after.files.find((f: { id: string }) => f.id === fileId)).toEqual(before.files[0]);
    expect((await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}`)).body.output.job_id).toBe(job.job_id);
    // Every stored file is a complete upload (truncated ones left nothing behind) and state.json is valid.
    for (const f of emu.service.state.files) expect(readFileSync(path.join(emu.dataDir, 'files', `${f.id}.zip`)).length).toBe(f.bytes);
    await waitFor(async () => (readdirSync(path.join(emu.dataDir, 'tmp')).length === 0 ? true : undefined), 10_000, 'temporary upload files removed');
    expect(() => JSON.parse(readFileSync(path.join(emu.dataDir, 'state.json'), 'utf8'))).not.toThrow();
    await emu.close();
    const again = await startTestEmulator({ dataDir: emu.dataDir });
    expect((await api(again.url, 'GET', `/api/v1/fine-tunes/${job.job_id}`)).status).toBe(200);
    await again.close();
  } finally {
    await emu.close();
    cleanup(dir);
    cleanup(emu.dataDir);
  }
});
