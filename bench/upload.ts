/**
 * Upload benchmark: a 1 GB file sent to the emulator's `POST /compatible-mode/v1/files` by the wanflow client
 * (in a child process, RSS sampled every 50 ms) and by `curl -F`, one run each.
 * Writes bench/results/upload.json and upload.md. Goals: throughput ratio ≥ 0.8, RSS growth < 64 MB.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, closeSync, fsyncSync, writeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, EMULATOR_DEFAULT_API_KEY } from '../src/emulator';
import { DashScope } from '../src/dashscope';

const run = promisify(execFile);
const MB = 1_000_000;
const FILE_BYTES = 1_000 * MB;

/** Writes `bytes` of random data (a 16 MiB random block repeated; incompressible, fast to make); returns its md5. */
function makeFile(path: string, bytes: number): string {
  const block = randomBytes(16 * 1024 * 1024);
  const md5 = createHash('md5');
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= block.length) {
      const n = Math.min(left, block.length);
      writeSync(fd, block, 0, n);
      md5.update(block.subarray(0, n));
    }
    // Flush now, so the write-back of this file does not compete with the first measured upload.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return md5.digest('hex');
}

interface Row {
  client: string;
  seconds: number;
  mbPerSecond: number;
  rssGrowthMB?: number;
}

export default async function uploadBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wanflow-bench-upload-'));
  const file = join(dir, 'bench-1gb.zip');
  const emu = await startEmulator({ port: 0, dataDir: join(dir, 'emulator'), timeScale: 1 });
  const ds = new DashScope({ apiKey: EMULATOR_DEFAULT_API_KEY, baseUrl: emu.url });
  try {
    process.stdout.write(`creating a ${FILE_BYTES / MB} MB file in ${dir} …\n`);
    const md5 = makeFile(file, FILE_BYTES);
    /** The emulator hashes what it stored: compare, so a fast but corrupt upload cannot pass. */
    const checkStored = (id: string, who: string) => {
      const stored = emu.service.state.files.find((f) => f.id === id);
      if (stored?.md5 !== md5) throw new Error(`${who}: the emulator stored md5 ${stored?.md5}, the file has ${md5}`);
    };

    // Warm the emulator's upload path (JIT, disk) so the first measured client does not pay for it.
    const warm = join(dir, 'warm-up.zip');
    makeFile(warm, 64 * MB);
    await ds.files.delete((await ds.files.upload(warm)).id);
    rmSync(warm);

    process.stdout.write('uploading with wanflow …\n');
    const child = await run(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, '_uploadClient.ts'), emu.url, file], {
      env: { ...process.env, BENCH_API_KEY: EMULATOR_DEFAULT_API_KEY },
      maxBuffer: 1024 * 1024,
    });
    const w = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
      bytes: number; sentBytes: number; seconds: number; rssColdBytes: number; rssBaselineBytes: number; rssMaxBytes: number; samples: number; fileId: string;
    };
    if (w.bytes !== FILE_BYTES) throw new Error(`the emulator stored ${w.bytes} bytes, expected ${FILE_BYTES}`);
    checkStored(w.fileId, 'wanflow');
    await ds.files.delete(w.fileId);

    process.stdout.write('uploading with curl -F …\n');
    const curl = await run('curl', [
      '-sS', '--fail-with-body', '-o', join(dir, 'curl-response.json'), '-w', '%{time_total}',
      '-H', `Authorization: Bearer ${EMULATOR_DEFAULT_API_KEY}`,
      '-F', 'purpose=fine-tune', '-F', `file=@${file};type=application/zip`,
      `${emu.url}/compatible-mode/v1/files`,
    ]);
    const curlSeconds = Number(curl.stdout.trim());
    const curlFile = (await ds.files.list().toArray()).find((f) => f.filename === 'bench-1gb.zip');
    if (!curlFile || curlFile.bytes !== FILE_BYTES) throw new Error('curl upload did not store the whole file');
    checkStored(curlFile.id, 'curl');
    await ds.files.delete(curlFile.id);

    const rows: Row[] = [
      { client: 'wanflow', seconds: w.seconds, mbPerSecond: FILE_BYTES / MB / w.seconds, rssGrowthMB: (w.rssMaxBytes - w.rssBaselineBytes) / MB },
      { client: 'curl -F', seconds: curlSeconds, mbPerSecond: FILE_BYTES / MB / curlSeconds },
    ];
    const ratio = rows[0]!.mbPerSecond / rows[1]!.mbPerSecond;
    const rssGrowth = rows[0]!.rssGrowthMB ?? NaN;
    const rssGrowthFromColdMB = (w.rssMaxBytes - w.rssColdBytes) / MB;
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      fileBytes: FILE_BYTES,
      rssSamples: w.samples,
      rssGrowthFromColdMB,
      rows,
      ratio,
      goals: { ratio: { target: 0.8, met: ratio >= 0.8 }, rssGrowthMB: { target: 64, met: rssGrowth < 64 } },
    };
    const fmt = (n: number) => n.toFixed(1);
    const md = [
      `# Upload benchmark (${FILE_BYTES / MB} MB to the emulator, one run, ${result.date})`,
      '',
      '| client | seconds | MB/s | RSS growth (MB) |',
      '|---|---:|---:|---:|',
      ...rows.map((r) => `| ${r.client} | ${fmt(r.seconds)} | ${fmt(r.mbPerSecond)} | ${r.rssGrowthMB === undefined ? '–' : fmt(r.rssGrowthMB)} |`),
      '',
      `- wanflow / curl throughput ratio: **${ratio.toFixed(2)}** (goal ≥ 0.8: ${result.goals.ratio.met ? 'met' : 'NOT met'})`,
      `- wanflow RSS growth during the upload: **${fmt(rssGrowth)} MB** over ${w.samples} samples at 50 ms, baseline after one warm-up call (goal < 64 MB: ${result.goals.rssGrowthMB.met ? 'met' : 'NOT met'}); from a cold process: ${fmt(rssGrowthFromColdMB)} MB`,
      `- Both uploads verified byte-exact (md5 of the stored file). Node ${process.version}; emulator in the bench process, each client in its own process; 2 shared cores.`,
      '',
    ].join('\n');
    const out = join(__dirname, 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'upload.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(out, 'upload.md'), md);
    process.stdout.write(`\n${md}`);
  } finally {
    await ds.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
