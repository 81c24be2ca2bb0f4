/** Persists the emulator state as one JSON file in dataDir, written atomically (tmp file + rename). */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { EmulatorState } from './types';

export class StateStore {
  readonly filesDir: string;
  readonly tmpDir: string;
  private readonly statePath: string;
  state: EmulatorState;

  constructor(readonly dataDir: string) {
    this.filesDir = path.join(dataDir, 'files');
    this.tmpDir = path.join(dataDir, 'tmp');
    this.statePath = path.join(dataDir, 'state.json');
    mkdirSync(this.filesDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
    this.state = existsSync(this.statePath) ? this.load() : fresh();
  }

  private load(): EmulatorState {
    const raw = readFileSync(this.statePath, 'utf8');
    let parsed: EmulatorState;
    try {
      parsed = JSON.parse(raw) as EmulatorState;
    } catch (e) {
      throw new Error(`emulator state ${this.statePath} is not valid JSON: ${(e as Error).message}`);
    }
    if (parsed.version !== 1) throw new Error(`emulator state ${this.statePath} has unknown version ${String(parsed.version)}`);
    return { ...fresh(), ...parsed, knobs: parsed.knobs ?? {} };
  }

  /** Writes the whole state atomically. */
  save(): void {
    const tmp = `${this.statePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.statePath);
  }

  blobPath(blob: string): string {
    return path.join(this.filesDir, blob);
  }
}

function fresh(): EmulatorState {
  return { version: 1, secret: randomBytes(16).toString('hex'), files: [], jobs: [], exports: [], deployments: [], tasks: [], knobs: {} };
}
