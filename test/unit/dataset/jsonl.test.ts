import { Readable } from 'node:stream';
import { readJsonl } from '../../../src/dataset/jsonl';

const chunks = (...parts: (string | Buffer)[]) => Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

describe('readJsonl', () => {
  it('parses lines split across chunks, with CRLF, a BOM and blank lines', async () => {
    const r = await readJsonl(chunks('\ufeff{"a":', '1}\r\n\n  \n{"b"', ':"é"}'), 1000);
    expect(r).toEqual({ lines: [{ line: 1, value: { a: 1 } }, { line: 4, value: { b: 'é' } }], tooLarge: false, bytes: expect.any(Number) });
  });

  it('keeps a multi-byte character split across chunks intact', async () => {
    const euro = Buffer.from('{"p":"€"}\n');
    const r = await readJsonl(chunks(euro.subarray(0, 7), euro.subarray(7)), 1000);
    expect(r.lines).toEqual([{ line: 1, value: { p: '€' } }]);
  });

  it('reports invalid UTF-8 and invalid JSON per line', async () => {
    const r = await readJsonl(chunks(Buffer.from([0x22, 0xff, 0x22, 0x0a]), '{oops}\n'), 1000);
    expect(r.lines).toEqual([
      { line: 1, error: 'encoding', message: 'line is not valid UTF-8' },
      { line: 2, error: 'json', message: expect.stringMatching(/^line is not valid JSON/) },
    ]);
  });

  it('stops once more than maxBytes arrived, even with no newline at all', async () => {
    const endless = Readable.from(
      (function* () {
        for (let i = 0; i < 1_000_000; i++) yield Buffer.alloc(1024, 0x61);
      })(),
    );
    const r = await readJsonl(endless, 64 * 1024);
    expect(r.tooLarge).toBe(true);
    expect(r.bytes).toBeLessThanOrEqual(65 * 1024);
    expect(endless.destroyed).toBe(true);
  });
});
