import type { Readable } from 'node:stream';
import type yauzl from 'yauzl';
import { openEntry, type ZipEntryInfo } from './zip';

/**
 * Reads byte ranges of one zip entry without extracting it.
 * Stored entries: each read opens a stream over exactly the range (true random access).
 * Deflated entries: one forward stream; bytes before the range are decompressed and dropped, never kept,
 * and a read behind the current position restarts from the beginning.
 */
export class EntryReader {
  private stream?: Readable;
  private iterator?: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);
  /** Offset in the entry of pending[0]. */
  private position = 0;

  constructor(
    private readonly zip: yauzl.ZipFile,
    readonly entry: ZipEntryInfo,
  ) {}

  /** Entry size (uncompressed). */
  get size(): number {
    return this.entry.uncompressedSize;
  }

  /** Up to `length` bytes from `offset`; fewer only at the end of the entry. */
  async read(offset: number, length: number): Promise<Buffer> {
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return Buffer.alloc(0);
    return this.entry.compressed ? this.readForward(offset, end) : this.readStored(offset, end);
  }

  /** Releases the open stream, if any. */
  close(): void {
    this.stream?.destroy();
    this.stream = undefined;
    this.iterator = undefined;
    this.pending = Buffer.alloc(0);
    this.position = 0;
  }

  private async readStored(start: number, end: number): Promise<Buffer> {
    const stream = await openEntry(this.zip, this.entry, { start, end });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private async readForward(start: number, end: number): Promise<Buffer> {
    if (!this.iterator || start < this.position) {
      this.close();
      this.stream = await openEntry(this.zip, this.entry);
      this.iterator = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    }
    const iterator = this.iterator as AsyncIterator<Buffer>;
    while (this.position + this.pending.length < end) {
      const next = await iterator.next();
      if (next.done) break;
      if (this.position + this.pending.length <= start) {
        // Everything held so far lies before the range: drop it.
        this.position += this.pending.length;
        this.pending = next.value;
      } else {
        this.pending = Buffer.concat([this.pending, next.value]);
      }
    }
    if (this.position + this.pending.length < start) return Buffer.alloc(0);
    const from = Math.max(0, start - this.position);
    const out = Buffer.from(this.pending.subarray(from, end - this.position));
    // Keep only what is at or after `start`, so later forward reads need no restart.
    this.position += from;
    this.pending = this.pending.subarray(from);
    return out;
  }
}
