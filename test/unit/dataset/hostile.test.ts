import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inspectDataset, type DatasetReport } from '../../../src/dataset';
import { buildZip, forgeCentralSizes, i2vItems, jsonl, media, replaceBytes, tempDir, writeZip } from './fixtures';

/**
 * Hostile zips: each must give a clear problem, never throw or hang, and nothing may be written next to the
 * zip or in the working directory (the inspector reads; it never extracts).
 */
let dir: string;
let cwdBefore: string[];
beforeAll(async () => {
  dir = await tempDir();
  cwdBefore = await fs.readdir(process.cwd());
});
afterAll(async () => {
  expect(await fs.readdir(process.cwd())).toEqual(cwdBefore);
  await fs.rm(dir, { recursive: true, force: true });
});

async function inspectBytes(name: string, buf: Buffer, model = 'wan2.5-i2v-preview'): Promise<DatasetReport> {
  const p = await writeZip(dir, name, buf);
  const before = await fs.readdir(dir);
  const report = await inspectDataset(p, { model, kind: 'training' });
  expect(await fs.readdir(dir)).toEqual(before);
  expect(report.ok).toBe(false);
  expect(report.sha256).toMatch(/^[0-9a-f]{64}$/);
  return report;
}

const TIMEOUT = 20_000;

it('a truncated zip is unreadable, not a crash', async () => {
  const full = await buildZip(i2vItems(10));
  const r = await inspectBytes('truncated.zip', full.subarray(0, Math.floor(full.length / 2)));
  expect(r.problems).toEqual([
    { rule: 'zip-unreadable', message: expect.stringMatching(/^not a readable zip: End of central directory record signature not found/) },
  ]);
  expect(r.bytes).toBe(Math.floor(full.length / 2));
}, TIMEOUT);

it('a file that is not a zip at all', async () => {
  const r = await inspectBytes('notzip.zip', Buffer.from('just some text, no zip here'));
  expect(r.problems.map((p) => p.rule)).toEqual(['zip-unreadable']);
}, TIMEOUT);

it('an empty zip has no data.jsonl', async () => {
  const r = await inspectBytes('empty.zip', await buildZip([]));
  expect(r.problems).toEqual([{ rule: 'missing-data-jsonl', file: 'data.jsonl', message: 'the zip has no data.jsonl at its root' }]);
}, TIMEOUT);

it('a deflated entry whose declared size is smaller than its content', async () => {
  const zip = forgeCentralSizes(await buildZip(i2vItems(10)), 'data.jsonl', { uncompressed: 20 });
  const r = await inspectBytes('lying-deflated.zip', zip);
  expect(r.problems).toEqual([
    { rule: 'entry-corrupt', file: 'data.jsonl', message: expect.stringMatching(/^data\.jsonl cannot be read: too many bytes in the stream/) },
  ]);
}, TIMEOUT);

it('a stored entry whose sizes disagree', async () => {
  const zip = forgeCentralSizes(await buildZip(i2vItems(10)), 'video_3.mp4', { uncompressed: 999 });
  const r = await inspectBytes('lying-stored.zip', zip);
  expect(r.problems).toEqual([{ rule: 'zip-unreadable', message: expect.stringMatching(/size mismatch for stored file/) }]);
}, TIMEOUT);

it('a media entry whose compressed size points past the end of the zip', async () => {
  const zip = forgeCentralSizes(await buildZip(i2vItems(10)), 'video_2.mp4', { compressed: 50_000_000, uncompressed: 50_000_000 });
  const r = await inspectBytes('past-end.zip', zip);
  expect(r.problems).toEqual([expect.objectContaining({ rule: 'entry-corrupt', file: 'video_2.mp4', line: 2, field: 'video_path' })]);
}, TIMEOUT);

it('entry names with ../ and absolute paths are reported, not followed', async () => {
  const items = i2vItems(10);
  items.push({ name: 'aa/evil.txt', data: 'x' }, { name: 'Zetc/passwd', data: 'x' });
  let zip = replaceBytes(await buildZip(items), 'aa/evil.txt', '../evil.txt');
  zip = replaceBytes(zip, 'Zetc/passwd', '/etc/passwd');
  const r = await inspectBytes('traversal.zip', zip);
  expect(r.problems).toEqual([
    { rule: 'unsafe-path', file: '../evil.txt', message: 'entry "../evil.txt" contains a ".." segment' },
    { rule: 'unsafe-path', file: '/etc/passwd', message: 'entry "/etc/passwd" is an absolute path' },
  ]);
  await expect(fs.stat(path.join(dir, '..', 'evil.txt'))).rejects.toThrow();
}, TIMEOUT);

it('data.jsonl naming a path outside the zip', async () => {
  const base = i2vItems(10);
  const lines = (base[0].data as string).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  lines[4].first_frame_path = '../../etc/passwd';
  const r = await inspectBytes('jsonl-traversal.zip', await buildZip([{ name: 'data.jsonl', data: jsonl(lines) }, ...base.slice(1)]));
  expect(r.problems).toEqual([
    expect.objectContaining({ rule: 'unsafe-path', line: 5, field: 'first_frame_path', file: '../../etc/passwd' }),
  ]);
}, TIMEOUT);

it('duplicate entry names', async () => {
  const items = i2vItems(10);
  items.push({ name: 'image_1.png', data: media('frame.jpg') });
  const r = await inspectBytes('duplicate.zip', await buildZip(items));
  expect(r.problems).toEqual([
    { rule: 'duplicate-entry', file: 'image_1.png', message: '"image_1.png" appears more than once in the zip' },
  ]);
}, TIMEOUT);

it('an entry name that is not UTF-8', async () => {
  const items = i2vItems(10);
  items.push({ name: 'Xbad.txt', data: 'x' });
  const zip = Buffer.from(await buildZip(items));
  const needle = Buffer.from('Xbad.txt');
  for (let i = zip.indexOf(needle); i !== -1; i = zip.indexOf(needle, i + 1)) zip[i] = 0xff;
  const r = await inspectBytes('badname.zip', zip);
  expect(r.problems.map((p) => p.rule)).toEqual(['bad-entry-name']);
}, TIMEOUT);

it('a data.jsonl of all non-UTF-8 or non-JSON lines', async () => {
  const data = Buffer.concat([Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from('not json\n'), Buffer.from([0xed, 0xa0, 0x80, 0x0a])]);
  const r = await inspectBytes('garbage.zip', await buildZip([{ name: 'data.jsonl', data }]));
  expect(r.problems.map((p) => [p.line, p.rule])).toEqual([
    [1, 'line-encoding'],
    [2, 'line-json'],
    [3, 'line-encoding'],
    [undefined, 'min-samples'],
  ]);
}, TIMEOUT);

it('a zip-bomb data.jsonl: refused unread when its size is declared, stopped at the declared size when it lies', async () => {
  // 64 MB of newlines deflates to well under 1 MB. Declared truthfully, the 20 MB rule refuses it without inflating;
  // with a forged 1 KB size, inflation stops as soon as the stream exceeds the declared size.
  const bomb = Buffer.alloc(64 * 1024 * 1024, 0x0a);
  const honest = await buildZip([{ name: 'data.jsonl', data: bomb, compress: true }]);
  expect(honest.length).toBeLessThan(1024 * 1024);
  const r1 = await inspectBytes('bomb-honest.zip', honest);
  expect(r1.problems.map((p) => p.rule)).toEqual(['data-jsonl-size']);
  const lying = forgeCentralSizes(honest, 'data.jsonl', { uncompressed: 1024 });
  const r2 = await inspectBytes('bomb-lying.zip', lying);
  expect(r2.problems).toEqual([expect.objectContaining({ rule: 'entry-corrupt', file: 'data.jsonl' })]);
}, TIMEOUT);

it('a deflated media entry claiming a huge inflated size is refused unread', async () => {
  const items = i2vItems(10).map((i) => (i.name === 'video_1.mp4' ? { ...i, compress: true } : i));
  const zip = forgeCentralSizes(await buildZip(items), 'video_1.mp4', { uncompressed: 0xfffffff0 });
  const r = await inspectBytes('media-bomb.zip', zip);
  expect(r.problems).toEqual([expect.objectContaining({ rule: 'entry-too-large', file: 'video_1.mp4', line: 1 })]);
}, TIMEOUT);
