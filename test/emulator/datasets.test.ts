/** Reading durations from real MP4/MOV headers, kf2v datasets, and concurrency settings. */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { movieSeconds } from '../../src/emulator/mp4';
import { api, buildDatasetZip, cleanup, MEDIA, startTestEmulator, tempDir, uploadCompat } from './helpers';

test.each([['clip-2s.mp4', 2], ['clip-3s.mp4', 3], ['clip-3s.mov', 3], ['clip-5s.mp4', 5], ['clip-12s.mp4', 12]])('%s lasts %i s by its mvhd box', async (file, seconds) => {
  expect(await movieSeconds(createReadStream(path.join(MEDIA, file), { highWaterMark: 7 }))).toBeCloseTo(seconds, 1);
});

test('non-video bytes have no duration', async () => {
  expect(await movieSeconds(createReadStream(path.join(MEDIA, 'frame.jpg')))).toBeNull();
  expect(await movieSeconds(Readable.from([Buffer.from('0000ftypisom')]))).toBeNull();
});

describe('with two concurrent jobs allowed', () => {
  let dir: string;
  let emu: Awaited<ReturnType<typeof startTestEmulator>>;
  beforeAll(async () => {
    dir = tempDir();
    emu = await startTestEmulator({ timeScale: 1, maxConcurrentJobs: 2 });
  });
  afterAll(async () => {
    await emu?.close();
    cleanup(dir);
    cleanup(emu.dataDir);
  });
  const advance = (ms: number) => api(emu.url, 'POST', '/__emulator/clock/advance', { ms });
  const get = async (id: string) => (await api(emu.url, 'GET', `/api/v1/fine-tunes/${id}`)).body.output;

  test('two jobs run at once and the third waits in QUEUING', async () => {
    const id = (await uploadCompat(emu.url, await buildDatasetZip(dir, 'i2v.zip'))).body.id;
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push((await api(emu.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.5-i2v-preview', training_file_ids: [id], training_type: 'efficient_sft' })).body.output.job_id);
    await advance(60_000);
    expect(await Promise.all(jobs.map(async (j) => (await get(j)).status))).toEqual(['RUNNING', 'RUNNING', 'QUEUING']);
    await api(emu.url, 'POST', `/api/v1/fine-tunes/${jobs[0]}/cancel`);
    await advance(31_000);
    expect((await get(jobs[2])).status).toBe('RUNNING');
    for (const j of jobs.slice(1)) await api(emu.url, 'POST', `/api/v1/fine-tunes/${j}/cancel`);
    await advance(31_000);
  });

  test('a kf2v dataset trains wan2.2-kf2v-flash; an i2v dataset fails it for the missing last_frame_path', async () => {
    const kf = (await uploadCompat(emu.url, await buildDatasetZip(dir, 'kf2v.zip', { mode: 'kf2v', video: 'clip-5s.mp4' }))).body.id;
    const i2v = (await uploadCompat(emu.url, await buildDatasetZip(dir, 'i2v-for-kf.zip'))).body.id;
    const hp = { n_epochs: 800, eval_epochs: 80 };
    const good = (await api(emu.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.2-kf2v-flash', training_file_ids: [kf], training_type: 'efficient_sft', hyper_parameters: hp })).body.output;
    const bad = (await api(emu.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.2-kf2v-flash', training_file_ids: [i2v], training_type: 'efficient_sft', hyper_parameters: hp })).body.output;
    await advance(10 * 3600_000);
    const ok = await get(good.job_id);
    // 12 videos × min(5, 5 s) × 262144/1024 × 800 epochs.
    expect(ok).toMatchObject({ status: 'SUCCEEDED', usage: 12 * 5 * 256 * 800, output_cnt: 10 });
    const failed = await get(bad.job_id);
    expect(failed.status).toBe('FAILED');
    expect(failed.message).toMatch(/field last_frame_path is required/);
  });

  test('a job canceled before its data process ends logs no training', async () => {
    const id = (await uploadCompat(emu.url, await buildDatasetZip(dir, 'c.zip'))).body.id;
    const job = (await api(emu.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.5-i2v-preview', training_file_ids: [id], training_type: 'efficient_sft' })).body.output;
    await advance(60_000);
    await api(emu.url, 'POST', `/api/v1/fine-tunes/${job.job_id}/cancel`);
    await advance(3600_000);
    const done = await get(job.job_id);
    expect(done).toMatchObject({ status: 'CANCELED', usage: 0, output_cnt: 0 });
    const logs: string[] = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/logs`)).body.output.logs;
    expect(logs.some((l) => l.includes('data process succeeded') || l.startsWith('epoch '))).toBe(false);
    expect(logs).toEqual([]); // the reference shows no cancel line: the log stops where the job was
  });
});
