/** The tests' waitFor: a failing check is reported, never silently turned into a timeout. */
import { waitFor } from '../../helpers/pipeline';

test('returns the first value that is neither undefined nor false', async () => {
  let n = 0;
  await expect(waitFor(async () => (++n >= 3 ? n : false), 5_000)).resolves.toBe(3);
});

test("a check's transient error is retried, and the last one is named in the timeout", async () => {
  await expect(
    waitFor(async () => {
      throw new Error('connection refused (transient)');
    }, 300, 'the server'),
  ).rejects.toThrow(/timed out after 300 ms waiting for the server; last error: connection refused \(transient\)/);
});

test('a programming error or a failed assertion in the check is rethrown at once', async () => {
  const t = Date.now();
  await expect(waitFor(async () => (undefined as unknown as { x: { y: number } }).x.y, 10_000)).rejects.toBeInstanceOf(TypeError);
  await expect(
    waitFor(async () => {
      expect(1).toBe(2);
      return true;
    }, 10_000),
  ).rejects.toHaveProperty('matcherResult');
  expect(Date.now() - t).toBeLessThan(5_000);
});
