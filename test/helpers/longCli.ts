/** A long-running CLI process (`wanflow review …`, `npm start …`) whose output a test waits on, stopped by SIGTERM. */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './pipeline';

export interface LongProcess {
  child: ChildProcess;
  output(): string;
  /** Waits until the output matches `re` and returns the match. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<number | null>;
}

export function spawnLong(command: string, args: string[], opts: { cwd: string; env?: Record<string, string | undefined> }): LongProcess {
  const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    waitFor: (re, timeoutMs = 90_000) =>
      waitFor(
        async () => {
          const m = re.exec(out);
          if (m) return m;
          if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}) before printing ${re}:\n${out}`);
          return undefined;
        },
        timeoutMs,
        `${re} in the output of ${args.join(' ')}`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- output ---\n${out}`);
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 10_000);
        const code = await exited;
        clearTimeout(t);
        return code;
      }
      return child.exitCode;
    },
  };
}
