import yauzl from 'yauzl';

const MAX_ENTRY_BYTES = 10 * 1024 * 1024;

/** Reads the named entries of a zip into memory (each at most 10 MB), without extracting anything to disk. */
export async function readZipEntries(zipPath: string, names: string[]): Promise<Map<string, Buffer>> {
  const wanted = new Set(names);
  const found = new Map<string, Buffer>();
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(err) : resolve(z!))),
  );
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!wanted.has(entry.fileName) || found.has(entry.fileName)) return zip.readEntry();
      if (entry.uncompressedSize > MAX_ENTRY_BYTES) return reject(new Error(`${entry.fileName} is larger than 10 MB`));
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err ?? new Error(`cannot read ${entry.fileName}`));
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          found.set(entry.fileName, Buffer.concat(chunks));
          if (found.size === wanted.size) {
            zip.close();
            resolve();
          } else zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return found;
}
