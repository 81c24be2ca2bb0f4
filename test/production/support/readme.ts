/**
 * README rule 2, enforced: every command line in the README's shell code blocks is run, as written, as its own OS
 * process, by a test of this suite.
 *
 * How it works
 *   - `readmeCommands()` extracts the command lines from the README's ```sh / ```bash / ```shell blocks (a trailing
 *     `# comment` is not part of the command; `\` continuations are joined).
 *   - Tests run README lines only through `ledger.run(line, …)` (one-shot) or `ledger.start(line, …)` (long-running).
 *     Both refuse a line that is not in the README, replace its `<placeholder>` tokens (every one must be given, each
 *     value shell-quoted; nothing else in the line may change), run it with `bash -c` and record it in the ledger when
 *     the process has EXITED, with its exit code. Environment variables and the working directory are the test's
 *     (that is how a user configures the same line).
 *   - The last test of user-path.test.ts compares the README with the ledger: a README line that no test ran fails
 *     it, with the list of lines. There is no table to edit by hand, so it cannot pass without running the commands.
 *   - `RUN_ELSEWHERE` lists the lines that cannot run inside `npm test` itself, with who runs them; the check
 *     verifies that claim too (`npm install && npm test` must be a line of .ci/run).
 *
 * Adding README commands (issues 14, 16, 17, …): put the line in the README, then run it from a scenario in
 * test/production/user-path.test.ts (or a module it imports) with `ledger.run('<the exact line>', { placeholders,
 * env, cwd })`, and assert on its exit code and output. The coverage check then passes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

export interface ReadmeCommand {
  line: string;
  /** 1-based line number in README.md. */
  at: number;
}

/** Command lines of the README's shell code blocks. */
export function readmeCommands(markdown: string = readFileSync(join(ROOT, 'README.md'), 'utf8')): ReadmeCommand[] {
  const out: ReadmeCommand[] = [];
  const lines = markdown.split('\n');
  let inShell = false;
  let inFence = false;
  let pending: { text: string; at: number } | undefined;
  lines.forEach((raw, i) => {
    const fence = /^\s*```\s*([A-Za-z]*)/.exec(raw);
    if (fence) {
      if (!inFence) {
        inFence = true;
        inShell = ['sh', 'bash', 'shell', 'console'].includes(fence[1].toLowerCase());
      } else {
        inFence = false;
        inShell = false;
      }
      return;
    }
    if (!inShell) return;
    let text = raw.replace(/^\s*\$\s+/, '');
    const continued = /\\\s*$/.test(text);
    text = text.replace(/\\\s*$/, '');
    const joined = pending ? `${pending.text} ${text.trim()}` : text.trim();
    const at = pending?.at ?? i + 1;
    if (continued) {
      pending = { text: joined, at };
      return;
    }
    pending = undefined;
    const command = stripComment(joined).trim();
    if (command && !command.startsWith('#')) out.push({ line: command, at });
  });
  return out;
}

/** Removes a trailing `# comment` (a # after white space, outside quotes). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/** The README section (## heading text, without the ##) a 1-based line number falls in. */
export function sectionOf(at: number, markdown: string = readFileSync(join(ROOT, 'README.md'), 'utf8')): string {
  const heading = markdown.split('\n').slice(0, at).reverse().find((l) => /^## /.test(l));
  return heading ? heading.replace(/^## /, '').trim() : '';
}

/**
 * README lines run by another suite, with a check of that claim (run by the coverage test):
 *   - `npm install && npm test` is CI's own line (.ci/run); inside npm test it would recurse.
 *   - the "Managing Model Studio resources" section (issue 14) is run line by line, verbatim through `sh -c`, by
 *     test/workflow/management.test.ts, which asserts its own ledger equals that section's lines. It runs them against
 *     the jest run's dev server; moving them onto this suite's bare server is the next step.
 */
export const RUN_ELSEWHERE: { applies(c: ReadmeCommand): boolean; by: string; check(): boolean }[] = [
  {
    applies: (c) => c.line === 'npm install && npm test',
    by: 'CI: .ci/run runs exactly this line',
    check: () => readFileSync(join(ROOT, '.ci', 'run'), 'utf8').split('\n').some((l) => l.trim() === 'npm install && npm test'),
  },
  {
    applies: (c) => sectionOf(c.at).startsWith('Managing Model Studio resources'),
    by: 'test/workflow/management.test.ts (its own README-line ledger)',
    check: () => {
      const t = readFileSync(join(ROOT, 'test', 'workflow', 'management.test.ts'), 'utf8');
      return t.includes("execFileP('sh', ['-c', line]") && t.includes('expect(new Set(runs)).toEqual(new Set(readmeLines()))') && t.includes("'Managing Model Studio resources'");
    },
  },
  {
    // The review page, notification and cost-cap lines (and the demo's manual-approval line) need a browser and a
    // webhook receiver: test/workflow/review-readme.test.ts runs each verbatim through `sh -c` (the demo in Chromium).
    applies: (c) => REVIEW_LINES().includes(c.line),
    by: 'test/workflow/review-readme.test.ts (each line verbatim through sh -c; the demo approved in Chromium)',
    check: () => REVIEW_LINES().length >= 4 && readFileSync(join(ROOT, 'test', 'workflow', 'review-readme.test.ts'), 'utf8').includes("spawn('sh', ['-c', line]"),
  },
  {
    // The production stack needs its own Temporal server on PostgreSQL (built from Go), so its lines run in the stack
    // suite (`npm run test:stack`, which .ci/run calls after `npm test`), each line of the section's block in turn.
    applies: (c) => sectionOf(c.at).replace(/^\d+\.\s*/, '').startsWith('Production stack'),
    by: "test/stack/stack.test.ts (the README's production-stack lines, run by `npm run test:stack` in .ci/run)",
    check: () => {
      const t = readFileSync(join(ROOT, 'test', 'stack', 'stack.test.ts'), 'utf8');
      const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
      return t.includes("the README's production-stack command lines, verbatim") && t.includes('for (const line of lines)') && /\bnpm run test:stack\b/.test(ci);
    },
  },
];

/** The README lines test/workflow/review-readme.test.ts runs: its string constants, each of which it runs as a line. */
function REVIEW_LINES(): string[] {
  const t = readFileSync(join(ROOT, 'test', 'workflow', 'review-readme.test.ts'), 'utf8');
  return [...t.matchAll(/^const (?:OVER_BUDGET|MANUAL|REVIEW|DEMO) = '([^']+)';$/gm)].map((m) => m[1]!);
}

export interface RunOptions {
  /** Values for the line's <placeholder> tokens, by token (e.g. { '<workflow-id>': id }). */
  placeholders?: Record<string, string>;
  env: Record<string, string | undefined>;
  cwd: string;
  timeoutMs?: number;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  output: string;
}

export interface Started {
  child: ChildProcess;
  output(): string;
  stdout(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or on timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM to the process (bash execs a single command, so that is npx itself), as a supervisor sends it. */
  terminate(): void;
  /** SIGINT to the whole process group, as Ctrl-C in a terminal does. */
  interrupt(): void;
  exited: Promise<Finished>;
}

const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

export class ReadmeLedger {
  readonly commands = readmeCommands();
  readonly runs: { line: string; command: string; code: number | null; signal: NodeJS.Signals | null; test?: string }[] = [];
  private readonly children = new Set<ChildProcess>();

  private command(line: string, placeholders: Record<string, string> = {}): string {
    if (!this.commands.some((c) => c.line === line)) {
      throw new Error(`not a command line of the README (run README lines exactly as written):\n  ${line}\nREADME lines:\n${this.commands.map((c) => `  ${c.line}`).join('\n')}`);
    }
    let command = line;
    for (const [token, value] of Object.entries(placeholders)) {
      if (!/^<[^<>]+>$/.test(token)) throw new Error(`placeholders are <tokens>, not ${token}`);
      if (!command.includes(token)) throw new Error(`${token} is not in the line ${line}`);
      command = command.split(token).join(quote(value));
    }
    const left = /<[^<>\s][^<>]*>/.exec(command.replace(/'[^']*'/g, ''));
    if (left) throw new Error(`no value given for ${left[0]} in ${line}`);
    return command;
  }

  /** Starts a README line; it is recorded as run once it has exited. */
  start(line: string, opts: RunOptions): Started {
    const command = this.command(line, opts.placeholders);
    const child = spawn('bash', ['-c', command], { cwd: opts.cwd, env: opts.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.children.add(child);
    let output = '';
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => ((stdout += b.toString()), (output += b.toString())));
    child.stderr!.on('data', (b: Buffer) => ((stderr += b.toString()), (output += b.toString())));
    const test = expect.getState().currentTestName;
    const exited = new Promise<Finished>((resolve) =>
      // 'close': the process has exited AND every process that inherited its output (npm's children) has let go.
      child.once('close', (code, signal) => {
        this.children.delete(child);
        this.runs.push({ line, command, code, signal, test });
        resolve({ code, signal, stdout, stderr, output });
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        output += `\n[test] killed after ${opts.timeoutMs} ms\n`;
        this.killGroup(child, 'SIGKILL');
      }, opts.timeoutMs);
      void exited.then(() => clearTimeout(timer));
    }
    return {
      child,
      output: () => output,
      stdout: () => stdout,
      exited,
      terminate: () => child.exitCode === null && child.kill('SIGTERM'),
      interrupt: () => this.killGroup(child, 'SIGINT'),
      waitFor: async (pattern, timeoutMs = 120_000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const m = output.match(pattern);
          if (m) return m;
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`\`${command}\` exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`);
          if (Date.now() > deadline) throw new Error(`\`${command}\` did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
    };
  }

  /** Runs a README line to its end. */
  run(line: string, opts: RunOptions): Promise<Finished> {
    return this.start(line, { timeoutMs: 180_000, ...opts }).exited;
  }

  private killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** Kills whatever is still running (after a failed test), whole process groups. */
  killAll(): void {
    for (const c of this.children) this.killGroup(c, 'SIGKILL');
  }
}
