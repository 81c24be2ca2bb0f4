import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the listener is closed before it resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
