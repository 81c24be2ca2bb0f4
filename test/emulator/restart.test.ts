/** State survives an emulator restart on the same dataDir, and a running job keeps its progress. */
import { api, buildDatasetZip, cleanup, startTestEmulator, tempDir, uploadCompat, waitFor } from './helpers';

/** 120 000 steps (100 emulated hours, 3 real minutes at scale 2000): the job is surely still training after the restart. */
const N_EPOCHS = 40_000;

test('close + start on the same dataDir mid-job keeps files, the job and its progress, and the job finishes', async () => {
  const dir = tempDir();
  let emu = await startTestEmulator({ timeScale: 2000, extraProgress: true });
  const dataDir = emu.dataDir;
  try {
    const fileId = (await uploadCompat(emu.url, await buildDatasetZip(dir, 'train.zip'))).body.id;
    const jobId = (await api(emu.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.5-i2v-preview', training_file_ids: [fileId], training_type: 'efficient_sft', hyper_parameters: { n_epochs: N_EPOCHS, eval_epochs: N_EPOCHS / 10 } })).body.output.job_id;
    const before = await waitFor(async () => {
      const j = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${jobId}`)).body.output;
      return j.status === 'RUNNING' && j.progress.step > 100 ? j : undefined;
    }, 30_000, 'RUNNING with progress');
    const logsBefore = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${jobId}/logs`)).body.output.logs;
    await emu.close();

    emu = await startTestEmulator({ timeScale: 2000, dataDir, extraProgress: true });
    const after = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${jobId}`)).body.output;
    expect(after.status).toBe('RUNNING');
    expect(after.progress.step).toBeGreaterThanOrEqual(before.progress.step);
    expect(after.progress.total_steps).toBe(before.progress.total_steps);
    expect(after.create_time).toBe(before.create_time);
    const logsAfter = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${jobId}/logs`)).body.output.logs;
    expect(logsAfter.slice(0, logsBefore.length)).toEqual(logsBefore);
    expect((await api(emu.url, 'GET', `/compatible-mode/v1/files/${fileId}`)).body.id).toBe(fileId);

    await api(emu.url, 'POST', '/__emulator/clock/advance', { seconds: 200 * 3600 });
    const done = await waitFor(async () => {
      const j = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${jobId}`)).body.output;
      return j.status === 'SUCCEEDED' ? j : undefined;
    }, 60_000, 'SUCCEEDED after restart');
    expect(done.usage).toBe(12 * 2 * 36 * N_EPOCHS);
    const state = (await api(emu.url, 'GET', '/__emulator/state')).body;
    expect(state.jobs).toEqual([expect.objectContaining({ jobId, status: 'SUCCEEDED' })]);
    expect(state.files).toEqual([expect.objectContaining({ id: fileId })]);
  } finally {
    await emu.close();
    cleanup(dir);
    cleanup(dataDir);
  }
});

test('the clock advance and scenario knobs persist across a restart', async () => {
  let emu = await startTestEmulator({ timeScale: 1 });
  const dataDir = emu.dataDir;
  try {
    const t0 = (await api(emu.url, 'GET', '/__emulator/clock')).body.nowMs;
    await api(emu.url, 'POST', '/__emulator/clock/advance', { seconds: 3600 });
    await api(emu.url, 'POST', '/__emulator/scenario/export-outcome', { outcome: 'UNSUPPORTED' });
    await emu.close();
    emu = await startTestEmulator({ timeScale: 1, dataDir });
    expect((await api(emu.url, 'GET', '/__emulator/clock')).body.nowMs).toBeGreaterThanOrEqual(t0 + 3600_000);
    expect(emu.service.state.knobs.nextExportOutcome).toEqual({ outcome: 'UNSUPPORTED' });
  } finally {
    await emu.close();
    cleanup(dataDir);
  }
});
