/**
 * Recorded workflow histories (test/histories/*.json): written by the durability suite with RECORD_HISTORIES=1 and
 * replayed against the current workflow code by test/replay.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = join(__dirname, '..', 'histories');

const HistoryProto = temporal.api.history.v1.History;
const TO_OBJECT = { longs: String, enums: String, bytes: String } as const;

/**
 * A history as JSON: protobufjs' object form with string longs, enum names and base64 bytes (timestamps as
 * {seconds, nanos}). Not `historyToJSON`'s proto3 JSON: in this install @temporalio/common resolves its own protobufjs 8
 * next to @temporalio/proto's protobufjs 7, and historyToJSON/historyFromJSON throw "type must be a Type".
 */
export function historyToObjectJSON(history: unknown): string {
  return `${JSON.stringify(HistoryProto.toObject(HistoryProto.fromObject(history as Record<string, unknown>), TO_OBJECT), null, 1)}\n`;
}

/** Reads a history written by historyToObjectJSON back into the protobuf message replay takes. */
export function historyFromObjectJSON(text: string): temporal.api.history.v1.History {
  return HistoryProto.fromObject(JSON.parse(text) as Record<string, unknown>);
}

/** With RECORD_HISTORIES=1, saves a finished workflow's full history as test/histories/<name>.json (replayed by test/replay). */
export async function maybeRecordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), historyToObjectJSON(history));
  process.stderr.write(`recorded ${name}.json (${history.events?.length ?? 0} events)\n`);
}
