import type { Readable } from 'node:stream';

/** One line of a JSONL stream: the parsed value, or why it could not be parsed. */
export type JsonlLine =
  | { line: number; value: unknown }
  | { line: number; error: 'encoding' | 'json'; message: string };

/** Result of reading a JSONL stream. */
export interface JsonlResult {
  lines: JsonlLine[];
  /** The stream held more than `maxBytes`; reading stopped there. */
  tooLarge: boolean;
  bytes: number;
}

const NEWLINE = 0x0a;

/**
 * Reads a JSONL stream line by line: each line is decoded as strict UTF-8 and parsed as JSON.
 * Blank lines are skipped (their numbers still count); a UTF-8 BOM at the start is ignored.
 * Stops (and destroys the stream) once more than `maxBytes` arrived.
 */
export async function readJsonl(stream: Readable, maxBytes: number): Promise<JsonlResult> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lines: JsonlLine[] = [];
  let bytes = 0;
  let lineNo = 0;
  let carry: Buffer[] = [];

  const handle = (raw: Buffer): void => {
    lineNo += 1;
    let text: string;
    try {
      text = decoder.decode(raw);
    } catch {
      lines.push({ line: lineNo, error: 'encoding', message: 'line is not valid UTF-8' });
      return;
    }
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return;
    try {
      lines.push({ line: lineNo, value: JSON.parse(text) as unknown });
    } catch (err) {
      lines.push({ line: lineNo, error: 'json', message: `line is not valid JSON (${(err as Error).message})` });
    }
  };

  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      bytes += buf.length;
      if (bytes > maxBytes) return { lines, tooLarge: true, bytes };
      let start = 0;
      for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, start)) {
        carry.push(buf.subarray(start, i));
        handle(Buffer.concat(carry));
        carry = [];
        start = i + 1;
      }
      if (start < buf.length) carry.push(buf.subarray(start));
    }
  } finally {
    stream.destroy();
  }
  if (carry.length > 0) handle(Buffer.concat(carry));
  return { lines, tooLarge: false, bytes };
}
