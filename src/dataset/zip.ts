import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** One file entry of a zip's central directory. */
export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  compressed: boolean;
  encrypted: boolean;
  /** yauzl's entry, needed to open it. */
  raw: yauzl.Entry;
}

/** A problem with the zip's structure found while listing it. */
export interface ZipListingProblem {
  rule: 'unsafe-path' | 'duplicate-entry' | 'too-many-entries' | 'bad-entry-name';
  message: string;
  file?: string;
}

/** An opened zip: its file entries by name (first occurrence wins), and listing problems. */
export interface ZipListing {
  zip: yauzl.ZipFile;
  entries: Map<string, ZipEntryInfo>;
  problems: ZipListingProblem[];
}

/** More entries than this is not a dataset; stop listing so memory stays bounded. */
export const MAX_ENTRIES = 100_000;

/** Opens `zipPath` for random access (never extracting) and reads its central directory. */
export async function listZip(zipPath: string): Promise<ZipListing> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(
      zipPath,
      // decodeStrings: false so that hostile names (../x, /abs) reach us as data instead of aborting the listing.
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true },
      (err, zf) => (err ? reject(err) : resolve(zf)),
    );
  });
  const entries = new Map<string, ZipEntryInfo>();
  const problems: ZipListingProblem[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entries.size + problems.length >= MAX_ENTRIES) {
          problems.push({ rule: 'too-many-entries', message: `the zip has more than ${MAX_ENTRIES} entries` });
          resolve();
          return;
        }
        const rawName = entry.fileName as unknown as Buffer;
        let name: string;
        try {
          name = decoder.decode(rawName);
        } catch {
          name = rawName.toString('latin1');
          problems.push({ rule: 'bad-entry-name', file: name, message: `entry name "${name}" is not valid UTF-8` });
        }
        if (name.endsWith('/')) {
          zip.readEntry();
          return;
        }
        if (entries.has(name)) {
          problems.push({ rule: 'duplicate-entry', file: name, message: `"${name}" appears more than once in the zip` });
        } else {
          entries.set(name, {
            name,
            compressedSize: entry.compressedSize,
            uncompressedSize: entry.uncompressedSize,
            compressed: entry.compressionMethod !== 0,
            encrypted: entry.isEncrypted(),
            raw: entry,
          });
        }
        zip.readEntry();
      });
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw err;
  }
  return { zip, entries, problems };
}

/** Opens an entry's (decompressed) content as a stream; `range` only for stored entries. */
export function openEntry(zip: yauzl.ZipFile, entry: ZipEntryInfo, range?: { start: number; end: number }): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const options = range ? { start: range.start, end: range.end } : {};
    try {
      zip.openReadStream(entry.raw, options, (err, stream) => (err ? reject(err) : resolve(stream)));
    } catch (err) {
      reject(err);
    }
  });
}
