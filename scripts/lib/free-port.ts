/**
 * A TCP port nobody listens on right now: bind port 0 on loopback, read the port, close.
 * The probe is closed before the caller binds, so another process may take the port in between;
 * callers that spawn a server on it retry with a fresh port when that happens.
 *
 * Shared by the tests (test/helpers) and the benchmark (bench/): process-level plumbing that
 * belongs to neither, so neither imports the other.
 */
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}
