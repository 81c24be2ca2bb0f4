/** `wanflow emulator` as a process: it prints its URL and key, serves, and rejects bad options. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { api, cleanup, tempDir } from './helpers';
import { emulatorCommand } from '../../src/commands/emulator';

const MAIN = path.join(__dirname, '../../src/emulator/main.ts');
const TSX = path.join(__dirname, '../../node_modules/.bin/tsx');

function readUntil(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no match for ${pattern} in: ${out}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

test('the process prints its URL and accepted key, then serves requests with that key', async () => {
  const dataDir = tempDir();
  const child = spawn(TSX, [MAIN, 'emulator', '--port', '0', '--time-scale', '600', '--data-dir', dataDir, '--api-key', 'sk-cli-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const [, url] = await readUntil(child, /listening at (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Accepted API key: sk-cli-test/);
    const ok = await api(url, 'GET', '/api/v1/fine-tunes', undefined, { authorization: 'Bearer sk-cli-test' });
    expect(ok.status).toBe(200);
    expect((await api(url, 'GET', '/api/v1/fine-tunes')).status).toBe(401);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    cleanup(dataDir);
  }
});

test('bad option values are refused naming the option', async () => {
  const cmd = emulatorCommand().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  await expect(cmd.parseAsync(['--fault-rate-429', '2'], { from: 'user' })).rejects.toThrow(/--fault-rate-429 must be a number between 0 and 1/);
  const cmd2 = emulatorCommand().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  await expect(cmd2.parseAsync(['--max-concurrent-jobs', '1.5'], { from: 'user' })).rejects.toThrow(/--max-concurrent-jobs/);
});
