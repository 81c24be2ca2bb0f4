/**
 * The reference's curl examples, copied verbatim with only the host changed (and placeholders filled in),
 * run with the real curl against the emulator.
 */
import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { api, buildDatasetZip, cleanup, KEY, startTestEmulator, tempDir } from './helpers';

const run = promisify(execFile);
let dir: string;
let emu: Awaited<ReturnType<typeof startTestEmulator>>;
beforeAll(async () => {
  dir = tempDir();
  emu = await startTestEmulator({ timeScale: 1 });
});
afterAll(async () => {
  await emu?.close();
  cleanup(dir);
  cleanup(emu.dataDir);
});

const REAL_HOST = 'https://dashscope-intl.aliyuncs.com';

/** Runs a reference curl command with the host swapped and placeholders replaced; returns the parsed JSON. */
async function curl(command: string, fill: Record<string, string> = {}): Promise<any> {
  let cmd = command.split(REAL_HOST).join(emu.url);
  for (const [k, v] of Object.entries(fill)) cmd = cmd.split(`<${k}>`).join(v);
  expect(cmd).not.toMatch(/<[a-z-0-9]+>/);
  const { stdout } = await run('bash', ['-c', `${cmd} --silent --show-error`], { cwd: dir, env: { ...process.env, DASHSCOPE_API_KEY: KEY } });
  return JSON.parse(stdout);
}

const advance = (ms: number) => api(emu.url, 'POST', '/__emulator/clock/advance', { ms });

test('the reference curl examples succeed against the emulator', async () => {
  copyFileSync(await buildDatasetZip(dir, 'train.zip'), path.join(dir, 'wan-i2v-training-dataset.zip'));
  const upload = `curl --location --request POST 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1/files' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--form 'file=@"./wan-i2v-training-dataset.zip"' \\
--form 'purpose="fine-tune"'`;
  const file = await curl(upload);
  expect(file).toMatchObject({ object: 'file', filename: 'wan-i2v-training-dataset.zip', purpose: 'fine-tune', status: 'processed' });
  const train2 = await curl(upload);
  await buildDatasetZip(dir, 'wan-i2v-training-dataset.zip', { kind: 'validation', samples: 2 });
  const val1 = await curl(upload);
  const val2 = await curl(upload);

  for (const [model, batch, pixels] of [['wan2.7-i2v', 1, 147456], ['wan2.6-i2v', 1, 36864], ['wan2.5-i2v-preview', 2, 36864], ['wan2.2-i2v-flash', 4, 262144]] as const) {
    const created = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json' \\
--data '{
    "model": "${model}",
    "training_file_ids": [
        "<training-dataset-file-id>"
    ],
    "training_type": "efficient_sft",
    "hyper_parameters": {
        "n_epochs": 400,
        "batch_size": ${batch},
        "learning_rate": 2e-5,
        "split": 0.9,
        "eval_epochs": 50,
        "max_pixels": ${pixels},
        "max_split_val_dataset_sample": 5,
        "save_total_limit": 10,
        "lora_rank": 32,
        "lora_alpha": 32
    }
}'`, { 'training-dataset-file-id': file.id });
    expect(created.output).toMatchObject({ model, status: 'PENDING', training_type: 'efficient_sft' });
    const cancel = await curl(`curl --location --request POST 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes/<fine-tuning-job-id>/cancel' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json'`, { 'fine-tuning-job-id': created.output.job_id });
    expect(cancel.output).toEqual({ status: 'success' });
  }
  await advance(60_000);

  const multi = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json' \\
--data '{
    "model": "wan2.5-i2v-preview",
    "training_file_ids": [
        "<training-set-file-id-1>",
        "<training-set-file-id-2>"
    ],
    "validation_file_ids": [
         "<validation-set-file-id-1>",
         "<validation-set-file-id-2>"
    ],
    "training_type": "efficient_sft",
    "hyper_parameters": {
        "n_epochs": 400,
        "batch_size": 2,
        "learning_rate": 2e-5,
        "split": 0.9,
        "eval_epochs": 50,
        "max_pixels": 36864,
        "max_split_val_dataset_sample": 5,
        "save_total_limit": 10,
        "lora_rank": 32,
        "lora_alpha": 32
    }
}'`, { 'training-set-file-id-1': file.id, 'training-set-file-id-2': train2.id, 'validation-set-file-id-1': val1.id, 'validation-set-file-id-2': val2.id });
  const jobId = multi.output.job_id;
  expect(multi.output.validation_file_ids).toEqual([val1.id, val2.id]);
  await advance(6 * 3600_000);

  const ids = { 'fine-tuning-job-id': jobId };
  const got = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes/<fine-tuning-job-id>' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json'`, ids);
  expect(got.output).toMatchObject({ status: 'SUCCEEDED', usage: 24 * 2 * 36 * 400, output_cnt: 8 });

  const logs = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes/<fine-tuning-job-id>/logs' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY"`, ids);
  expect(logs.output.logs.at(-1)).toMatch(/##FT_COMPLETE##$/);

  const list = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY"`);
  expect(list.output.total).toBe(5);

  const results = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes/<fine-tuning-job-id>/validation-results' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json'`, ids);
  expect(results.output).toContainEqual({ checkpoint: 'checkpoint-4800' });

  const details = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes/<fine-tuning-job-id>/validation-details/<checkpoint>?page_no=1&page_size=10' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY"`, { ...ids, checkpoint: 'checkpoint-4800' });
  expect(details.output).toMatchObject({ page_no: 1, page_size: 10, total: 4 });

  const exported = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes/<fine-tuning-job-id>/export/<checkpoint>?model_name=<console-display-name>' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY"`, { ...ids, checkpoint: 'checkpoint-4800', 'console-display-name': 'my-checkpoint-4800' });
  expect(exported.output).toBe(true);
  await advance(10 * 60_000);
  const checkpoints = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes/<fine-tuning-job-id>/checkpoints' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY"`, ids);
  expect(checkpoints.output[0]).toMatchObject({ status: 'SUCCEEDED', model_name: `${got.output.finetuned_output}-c4800`, model_display_name: 'my-checkpoint-4800' });

  for (const modelName of [got.output.finetuned_output, checkpoints.output[0].model_name]) {
    const dep = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/deployments' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json' \\
--data '{
    "model_name": "<model-name>",
    "aigc_config": {
        "use_input_prompt": false,
        "prompt": "Provide a video description based on the image content. The description must include the phrase \\"Then the s86b5p money rain effect begins.\\"\\nOutput Template:\\nThe video begins with a shot of [subject description].",
        "lora_prompt_default": "Then the s86b5p money rain effect begins, countless huge-sized US dollar bills pour down like a torrential rain."
    },
    "capacity": 1,
    "plan": "lora"
}'`, { 'model-name': modelName });
    expect(dep.output).toMatchObject({ deployed_model: modelName, status: 'PENDING', plan: 'lora', charge_type: 'post_paid' });
  }
  await advance(11 * 60_000);
  const dep = { 'deployed-model': got.output.finetuned_output };
  const running = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/deployments/<deployed-model>' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json'`, dep);
  expect(running.output.status).toBe('RUNNING');
  const deleted = await curl(`curl --request DELETE 'https://dashscope-intl.aliyuncs.com/api/v1/deployments/<deployed-model>' \\
    --header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
    --header 'Content-Type: application/json'`, dep);
  expect(deleted.output.status).toBe('DELETING');
  await advance(2 * 60_000);
  const notFound = await curl(`curl --location 'https://dashscope-intl.aliyuncs.com/api/v1/deployments/<deployed-model>' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json'`, dep);
  expect(notFound).toMatchObject({ code: 'NotFound', message: 'Not found.' });

  const delJob = await curl(`curl --location --request DELETE 'https://dashscope-intl.aliyuncs.com/api/v1/fine-tunes/<fine-tuning-job-id>' \\
--header "Authorization: Bearer $DASHSCOPE_API_KEY" \\
--header 'Content-Type: application/json'`, ids);
  expect(delJob.output).toEqual({ status: 'success' });
});
