/**
 * The socket-token key of the bench's servers and clients: the demo's (src/server/socket-secret.ts,
 * derived from the NEXTAUTH_SECRET the harness gives every process), so a client process mints what
 * a server process verifies. The library itself has no default secret.
 */
import { getEnv } from '../src/env';
import { socketTokenSecret } from '../src/server/socket-secret';
import { socketTokenKey } from 'socket-gateway/advanced';

export function benchTokenSecret(): string | Uint8Array {
  return socketTokenSecret(getEnv());
}

export function benchTokenKey(): Uint8Array {
  return socketTokenKey(benchTokenSecret());
}
