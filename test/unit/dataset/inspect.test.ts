import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inspectDataset, type DatasetReport } from '../../../src/dataset';
import { MIN_TRAINING_SAMPLES } from '../../../src/dataset';
import {
  buildZip,
  i2vItems,
  jsonl,
  media,
  pngWithWidth,
  tempDir,
  withDuration,
  writeZip,
  type ZipItem,
} from './fixtures';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

let counter = 0;
async function inspectItems(items: ZipItem[], model = 'wan2.5-i2v-preview', kind: 'training' | 'validation' = 'training'): Promise<DatasetReport> {
  const p = await writeZip(dir, `t${++counter}.zip`, await buildZip(items));
  return inspectDataset(p, { model, kind });
}
const rules = (r: DatasetReport) => r.problems.map((p) => p.rule);

describe('inspectDataset on well-formed sets', () => {
  it('accepts a flat i2v set and reports stats, size, name and sha256', async () => {
    const r = await inspectItems(i2vItems(10, 'clip-3s.mp4'));
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.stats).toEqual({ samples: 10, videoSeconds: Array(10).fill(3), billableSeconds: 30 });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.bytes).toBe((await fs.stat(path.join(dir, r.filename))).size);
  });

  it('reads deflated videos whose moov follows mdat', async () => {
    const items = i2vItems(10, 'clip-5s.mp4').map((i) => ({ ...i, compress: true }));
    const r = await inspectItems(items, 'wan2.2-i2v-flash');
    expect(r.problems).toEqual([]);
    expect(r.stats.videoSeconds).toEqual(Array(10).fill(5));
  });
});

describe('data.jsonl rules', () => {
  it('needs data.jsonl at the root', async () => {
    const items = i2vItems(10).map((i) => (i.name === 'data.jsonl' ? { ...i, name: 'set/data.jsonl' } : i));
    const r = await inspectItems(items);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      { rule: 'missing-data-jsonl', file: 'data.jsonl', message: 'data.jsonl must be at the zip root, found "set/data.jsonl" instead' },
    ]);
  });

  it('refuses a data.jsonl declared larger than 20 MB without reading it', async () => {
    const big = '\n'.repeat(21 * 1024 * 1024);
    const r = await inspectItems([{ name: 'data.jsonl', data: big, compress: true }]);
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'data-jsonl-size', message: expect.stringMatching(/at most 20971520 \(20 MB\)/) })]);
  });

  it('reports each bad line with its number and field', async () => {
    const good = (i: number) => ({ prompt: `p${i}`, first_frame_path: 'image_1.png', video_path: 'video_1.mp4' });
    const text = [
      JSON.stringify(good(1)),
      '{"prompt": "unterminated',
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'),
      '[1, 2]',
      JSON.stringify({ prompt: 'no video', first_frame_path: 'image_1.png' }),
      JSON.stringify({ prompt: 42, first_frame_path: 'image_1.png', video_path: 'video_1.mp4' }),
      '',
      JSON.stringify({ ...good(8), last_frame_path: 'image_1.png' }),
      JSON.stringify({ ...good(9), prompt: '  ' }),
      ...[10, 11, 12].map((i) => JSON.stringify(good(i))),
    ].join('\n');
    const data = Buffer.from(text, 'latin1');
    const r = await inspectItems([
      { name: 'data.jsonl', data },
      { name: 'image_1.png', data: media('frame.png') },
      { name: 'video_1.mp4', data: media('clip-2s.mp4') },
    ]);
    expect(r.problems.map((p) => [p.line, p.rule, p.field])).toEqual([
      [2, 'line-json', undefined],
      [3, 'line-encoding', undefined],
      [4, 'line-object', undefined],
      [5, 'required-field', 'video_path'],
      [6, 'field-type', 'prompt'],
      [8, 'unexpected-field', 'last_frame_path'],
      [9, 'field-empty', 'prompt'],
    ]);
    expect(r.problems[3].message).toBe('line 5: "video_path" is missing');
    expect(r.problems[4].message).toBe('line 6: "prompt" must be a string, got number');
    expect(r.stats.samples).toBe(11);
  });

  it(`needs at least ${MIN_TRAINING_SAMPLES} training samples`, async () => {
    expect(rules(await inspectItems(i2vItems(9)))).toEqual(['min-samples']);
    expect(rules(await inspectItems(i2vItems(10)))).toEqual([]);
  });

  it('needs last_frame_path for a kf2v model', async () => {
    const r = await inspectItems(i2vItems(10), 'wan2.2-kf2v-flash');
    expect(r.problems).toHaveLength(10);
    expect(r.problems[0]).toMatchObject({ rule: 'required-field', line: 1, field: 'last_frame_path' });
  });

  it('refuses video_path in a validation set and accepts one without', async () => {
    const withVideo = await inspectItems(i2vItems(3), 'wan2.6-i2v', 'validation');
    expect(rules(withVideo)).toEqual(['unexpected-field', 'unexpected-field', 'unexpected-field']);
    const lines = [1, 2, 3].map((i) => ({ prompt: `p${i}`, first_frame_path: 'image_1.webp' }));
    const ok = await inspectItems([{ name: 'data.jsonl', data: jsonl(lines) }, { name: 'image_1.webp', data: media('frame.webp') }], 'wan2.6-i2v', 'validation');
    expect(ok.problems).toEqual([]);
    expect(ok.stats).toEqual({ samples: 3, videoSeconds: [], billableSeconds: 0 });
  });
});

describe('file rules', () => {
  const withLine = (extra: Record<string, string>, files: ZipItem[]): ZipItem[] => {
    const base = i2vItems(10);
    const lines = (base[0].data as string).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    lines[0] = { ...lines[0], ...extra };
    return [{ name: 'data.jsonl', data: jsonl(lines) }, ...base.slice(1), ...files];
  };

  it('reports a named file missing from the zip', async () => {
    const r = await inspectItems(withLine({ first_frame_path: 'nothere.png' }, []));
    expect(r.problems).toEqual([
      { rule: 'missing-file', line: 1, field: 'first_frame_path', file: 'nothere.png', message: 'line 1: first_frame_path "nothere.png" is not in the zip' },
    ]);
  });

  it('allows only letters, digits, _ and - in names', async () => {
    const r = await inspectItems(withLine({ first_frame_path: 'my image.png' }, [{ name: 'my image.png', data: media('frame.png') }]));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'file-name', line: 1, file: 'my image.png' })]);
    const ok = await inspectItems(withLine({ first_frame_path: 'imgs/Frame_1-a.png' }, [{ name: 'imgs/Frame_1-a.png', data: media('frame.png') }]));
    expect(ok.problems).toEqual([]);
  });

  it('checks formats by magic bytes, not by extension', async () => {
    const r = await inspectItems(
      withLine({ first_frame_path: 'text.png', video_path: 'still.mp4' }, [
        { name: 'text.png', data: 'hello' },
        { name: 'still.mp4', data: media('frame.jpg') },
      ]),
    );
    expect(r.problems.map((p) => [p.rule, p.field])).toEqual([
      ['image-format', 'first_frame_path'],
      ['video-format', 'video_path'],
    ]);
    expect(r.problems[1].message).toBe('line 1: still.mp4 must be MP4 or MOV, but its content is a JPEG file');
  });

  it('reports an extension that disagrees with the content', async () => {
    const r = await inspectItems(withLine({ first_frame_path: 'png_in.jpg' }, [{ name: 'png_in.jpg', data: media('frame.png') }]));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'extension-mismatch', file: 'png_in.jpg' })]);
  });

  it('limits width and height to 4096', async () => {
    const ok = await inspectItems(withLine({ first_frame_path: 'w.png' }, [{ name: 'w.png', data: pngWithWidth(media('frame.png'), 4096) }]));
    expect(ok.problems).toEqual([]);
    const r = await inspectItems(withLine({ first_frame_path: 'w.png' }, [{ name: 'w.png', data: pngWithWidth(media('frame.png'), 4097) }]));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'dimensions', message: 'line 1: w.png is 4097×64; width and height must be between 1 and 4096' })]);
  });

  it.each([
    ['wan2.2-i2v-flash', 'clip-5s.mp4', 5, []],
    ['wan2.2-i2v-flash', 'clip-12s.mp4', 12, ['video-duration']],
    ['wan2.5-i2v-preview', 'clip-12s.mp4', 12, ['video-duration']],
    ['wan2.6-i2v', 'clip-12s.mp4', 10, []],
    ['wan2.7-i2v', 'clip-2s.mp4', 2, []],
    ['wan2.7-i2v', 'clip-2s.mp4', 1.5, ['video-duration']],
    ['wan2.7-i2v', 'clip-12s.mp4', 10.5, ['video-duration']],
  ])('for %s, %s lasting %s s gives %j', async (model, clip, seconds, expected) => {
    const r = await inspectItems(withLine({ video_path: 'v.mp4' }, [{ name: 'v.mp4', data: withDuration(media(clip), seconds) }]), model);
    expect(rules(r)).toEqual(expected);
    // Each problem (none for a clip within the limit) names the file, its length and the model.
    expect(r.problems.map((p) => p.message)).toEqual((expected as string[]).map(() => expect.stringMatching(new RegExp(`v\\.mp4 lasts ${seconds} s; ${model.replace(/\./g, '\\.')} `))));
  });

  it('reads MOV videos', async () => {
    const r = await inspectItems(withLine({ video_path: 'v.mov' }, [{ name: 'v.mov', data: media('clip-3s.mov') }]));
    expect(r.problems).toEqual([]);
    expect(r.stats.videoSeconds[0]).toBe(3);
  });

  it('reports a truncated video inside a valid zip', async () => {
    const clip = media('clip-2s.mp4');
    const r = await inspectItems(withLine({ video_path: 'cut.mp4' }, [{ name: 'cut.mp4', data: clip.subarray(0, clip.length - 200) }]));
    expect(r.problems).toEqual([expect.objectContaining({ rule: 'video-unreadable', file: 'cut.mp4', line: 1 })]);
    expect(r.stats.videoSeconds).toHaveLength(9);
  });
});
