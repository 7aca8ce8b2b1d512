/**
 * Socket tokens the way the demo signs them (src/server/socket-secret.ts: derived from the
 * test NEXTAUTH_SECRET of test/setup-env.ts). The library has no default secret; test servers
 * (socket-server.ts) are started with this one.
 */
import { getEnv } from '@/env';
import { socketTokenSecret } from '@/server/socket-secret';
import { mintSocketToken as mint, socketTokenKey as keyOf } from 'socket-gateway/advanced';
import { type SocketToken } from 'socket-gateway';

/** The `secret` option of every test server. */
export function testSocketSecret(): string | Uint8Array {
  return socketTokenSecret(getEnv());
}

/** The HS256 key the test servers verify with. */
export function socketTokenKey(): Uint8Array {
  return keyOf(testSocketSecret());
}

/** A real token for `userId`, signed with the test servers' key. */
export function mintSocketToken(userId: string, options: { ttlSeconds?: number; key?: Uint8Array } = {}): Promise<SocketToken> {
  return mint(userId, { key: options.key ?? socketTokenKey(), ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }) });
}
