/**
 * Child process of the upload benchmark: uploads one file with the wanflow client and prints one JSON line
 * `{ bytes, seconds, rssColdBytes, rssBaselineBytes, rssMaxBytes, samples, fileId }`. RSS is sampled every 50 ms.
 * Runs in its own process so the emulator's work does not count against our memory.
 */
import { DashScope } from '../src/dashscope';

async function main(): Promise<void> {
  const [baseUrl, filePath] = process.argv.slice(2);
  const apiKey = process.env.BENCH_API_KEY;
  if (!baseUrl || !filePath || !apiKey) throw new Error('usage: BENCH_API_KEY=… tsx bench/_uploadClient.ts <baseUrl> <file>');
  const ds = new DashScope({ apiKey, baseUrl, timeoutMs: 120_000 });
  // Warm-up: one small call loads undici's parser and opens the connection, so the baseline
  // excludes one-time start-up memory; the cold figure is reported too.
  const rssColdBytes = process.memoryUsage().rss;
  await ds.files.list({ limit: 1 }).pages().next();
  global.gc?.();
  const rssBaselineBytes = process.memoryUsage().rss;
  let rssMaxBytes = rssBaselineBytes;
  let samples = 0;
  const sampler = setInterval(() => {
    samples++;
    rssMaxBytes = Math.max(rssMaxBytes, process.memoryUsage().rss);
  }, 50);
  let sent = 0;
  const started = process.hrtime.bigint();
  const file = await ds.files.upload(filePath, { purpose: 'fine-tune', onProgress: (s) => (sent = s) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  rssMaxBytes = Math.max(rssMaxBytes, process.memoryUsage().rss);
  await ds.close();
  process.stdout.write(`${JSON.stringify({ bytes: file.bytes, sentBytes: sent, seconds, rssColdBytes, rssBaselineBytes, rssMaxBytes, samples, fileId: file.id })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
