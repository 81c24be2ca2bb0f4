import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MODEL_IDS, getModel } from '../../../src/catalog';
import { generateSampleDataset, inspectDataset, sha256File } from '../../../src/dataset';
import { listZip } from '../../../src/dataset/zip';
import { tempDir } from './fixtures';

describe('generateSampleDataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  describe.each(MODEL_IDS)('for %s', (model) => {
    it.each(['training', 'validation'] as const)('writes a %s set that passes inspectDataset', async (kind) => {
      const sample = await generateSampleDataset({ dir: path.join(dir, model), mode: getModel(model).mode, kind });
      const report = await inspectDataset(sample.path, { model, kind });
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.stats.samples).toBe(12);
      expect(report.stats.videoSeconds).toHaveLength(kind === 'training' ? 12 : 0);
      expect(report.sha256).toBe(await sha256File(sample.path));
    });
  });

  it('is byte-identical on a second run', async () => {
    const a = await generateSampleDataset({ dir: path.join(dir, 'a'), mode: 'kf2v', kind: 'training', samples: 15 });
    const b = await generateSampleDataset({ dir: path.join(dir, 'b'), mode: 'kf2v', kind: 'training', samples: 15 });
    expect(await fs.readFile(a.path)).toEqual(await fs.readFile(b.path));
    const again = await generateSampleDataset({ dir: path.join(dir, 'a'), mode: 'kf2v', kind: 'training', samples: 15 });
    expect(await sha256File(again.path)).toBe(await sha256File(a.path));
    expect(await fs.readdir(path.join(dir, 'a'))).toEqual([path.basename(a.path)]);
  });

  it('differs between modes, kinds and sample counts', async () => {
    const hashes = new Set<string>();
    for (const [mode, kind, samples] of [
      ['i2v', 'training', 12],
      ['i2v', 'training', 13],
      ['i2v', 'validation', 12],
      ['kf2v', 'training', 12],
    ] as const) {
      hashes.add(await sha256File((await generateSampleDataset({ dir: path.join(dir, 'd'), mode, kind, samples })).path));
    }
    expect(hashes.size).toBe(4);
  });

  it('uses the flat layout for i2v and image/ + video/ folders for kf2v', async () => {
    const i2v = await listZip((await generateSampleDataset({ dir: path.join(dir, 'l'), mode: 'i2v', kind: 'training', samples: 10 })).path);
    const kf2v = await listZip((await generateSampleDataset({ dir: path.join(dir, 'l'), mode: 'kf2v', kind: 'training', samples: 10 })).path);
    try {
      expect([...i2v.entries.keys()].every((n) => !n.includes('/'))).toBe(true);
      expect(i2v.entries.size).toBe(1 + 10 * 2);
      const kf = [...kf2v.entries.keys()].filter((n) => n !== 'data.jsonl');
      expect(kf.every((n) => n.startsWith('image/') || n.startsWith('video/'))).toBe(true);
      expect(kf.filter((n) => n.startsWith('image/'))).toHaveLength(20);
    } finally {
      i2v.zip.close();
      kf2v.zip.close();
    }
  });

  it('rejects a sample count that is not a positive integer', async () => {
    await expect(generateSampleDataset({ dir, mode: 'i2v', kind: 'training', samples: 0 })).rejects.toThrow(RangeError);
  });
});
