import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sampleCommand } from '../../../src/commands/sample';
import { validateCommand, type ValidateResult } from '../../../src/commands/validate';
import { buildZip, i2vItems, tempDir, writeZip } from './fixtures';

/** Runs a command object in-process, capturing what it prints and the exit code it sets. */
async function run(make: (o: { out: (t: string) => void; err: (t: string) => void }) => ReturnType<typeof validateCommand>, args: string[]) {
  let stdout = '';
  const cmd = make({ out: (t) => (stdout += t), err: (t) => (stdout += t) });
  cmd.exitOverride().configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stdout += t) });
  const before = process.exitCode;
  process.exitCode = undefined;
  let threw: unknown;
  try {
    await cmd.parseAsync(args, { from: 'user' });
  } catch (err) {
    threw = err;
  }
  const exitCode = process.exitCode ?? (threw ? 1 : 0);
  process.exitCode = before;
  return { stdout, exitCode, threw };
}

let dir: string;
let sampleZip: string;
beforeAll(async () => {
  dir = await tempDir();
  const r = await run(sampleCommand, ['--mode', 'i2v', '--out', dir]);
  sampleZip = r.stdout.trim();
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('wanflow sample', () => {
  it('prints the path of the zip it wrote', async () => {
    expect(sampleZip).toBe(path.join(dir, 'sample-i2v-training-12.zip'));
    expect((await fs.stat(sampleZip)).size).toBeGreaterThan(0);
  });

  it('honours --kind and --samples', async () => {
    const r = await run(sampleCommand, ['--mode', 'kf2v', '--kind', 'validation', '--samples', '3', '--out', dir]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${path.join(dir, 'sample-kf2v-validation-3.zip')}\n`);
  });

  it('rejects a bad mode and a bad sample count', async () => {
    const bad = await run(sampleCommand, ['--mode', 'x2v', '--out', dir]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/argument 'x2v' is invalid. Allowed choices are i2v, kf2v/);
    const count = await run(sampleCommand, ['--mode', 'i2v', '--samples', '0', '--out', dir]);
    expect(count.exitCode).toBe(1);
    expect(count.stdout).toMatch(/expected an integer from 1 to 10000/);
  });
});

describe('wanflow validate', () => {
  it('prints the plan and exits 0 for a valid set', async () => {
    const r = await run(validateCommand, [sampleZip, '--model', 'wan2.5-i2v-preview']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Training set sample-i2v-training-12.zip: 12 samples');
    expect(r.stdout).toContain('  ✓ no problems');
    expect(r.stdout).toContain('total steps:        2,400 (6 per epoch × 400 epochs)');
    expect(r.stdout).toContain('estimated tokens:   561,600');
    expect(r.stdout).toContain('estimated cost:     28.08 USD (Singapore price)');
    expect(r.stdout).toContain('"max_pixels":36864');
    expect(r.stdout).toMatch(/OK: the dataset can be uploaded\.\n$/);
  });

  it('applies --set overrides and reports every broken rule, exiting 1', async () => {
    const r = await run(validateCommand, [sampleZip, '--model', 'wan2.2-i2v-flash', '--set', 'n_epochs=200', '--set', 'lora_alpha=20']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('✗ lora_alpha: lora_alpha must be a power of two (16, 32, 64, …), got 20');
    expect(r.stdout).toContain(
      '✗ n_epochs: n_epochs × ceil(12 / 4) = 600 total steps; at least 800 are needed: raise n_epochs to 267 or lower batch_size',
    );
    expect(r.stdout).toMatch(/FAILED: fix the problems above\.\n$/);
  });

  it('prints dataset problems with line numbers and exits 1', async () => {
    const broken = await writeZip(dir, 'few.zip', await buildZip(i2vItems(10, 'clip-12s.mp4')));
    const r = await run(validateCommand, [broken, '--model', 'wan2.2-i2v-flash']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('✗ line 1: video_1.mp4 lasts 12 s; wan2.2-i2v-flash accepts at most 5 s  [video-duration]');
    expect(r.stdout).toContain('✗ line 10: video_10.mp4 lasts 12 s');
  });

  it('checks a validation set and gives JSON with --json', async () => {
    const val = (await run(sampleCommand, ['--mode', 'i2v', '--kind', 'validation', '--samples', '4', '--out', dir])).stdout.trim();
    const r = await run(validateCommand, [sampleZip, '--model', 'wan2.6-i2v', '--validation', val, '--set', 'n_epochs=100', '--json']);
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(r.stdout) as ValidateResult;
    expect(result.ok).toBe(true);
    expect(result.validation).toMatchObject({ ok: true, stats: { samples: 4 } });
    expect(result.plan).toMatchObject({ totalSteps: 1200, estimatedTokens: 39 * 36 * 100, estimatedCost: { amount: 11.23, currency: 'USD' } });
    expect(result.plan?.warnings.join('\n')).not.toMatch(/validation split/);
  });

  it('rejects a validation zip holding videos', async () => {
    const r = await run(validateCommand, [sampleZip, '--model', 'wan2.6-i2v', '--validation', sampleZip, '--json']);
    expect(r.exitCode).toBe(1);
    const result = JSON.parse(r.stdout) as ValidateResult;
    expect(result.validation?.problems[0]).toMatchObject({ rule: 'unexpected-field', line: 1, field: 'video_path' });
  });

  it('says plainly when the zip does not exist', async () => {
    const r = await run(validateCommand, [path.join(dir, 'nope.zip'), '--model', 'wan2.6-i2v']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^error: ENOENT: no such file or directory, stat '.*nope\.zip'\n$/);
  });

  it('rejects an unknown model and a malformed --set', async () => {
    const model = await run(validateCommand, [sampleZip, '--model', 'wan3']);
    expect(model.exitCode).toBe(1);
    expect(model.stdout).toMatch(/Allowed choices are wan2\.7-i2v, wan2\.6-i2v/);
    const set = await run(validateCommand, [sampleZip, '--model', 'wan2.6-i2v', '--set', 'n_epochs']);
    expect(set.exitCode).toBe(1);
    expect(set.stdout).toMatch(/expected key=value, got "n_epochs"/);
    const unknown = await run(validateCommand, [sampleZip, '--model', 'wan2.6-i2v', '--set', 'epochs=3']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stdout).toContain('✗ epochs: unknown hyper-parameter "epochs"; known: batch_size, n_epochs');
  });
});
