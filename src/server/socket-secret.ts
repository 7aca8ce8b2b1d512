/**
 * The demo's socket-token secret: SOCKET_TOKEN_SECRET when set, otherwise a key derived from
 * NEXTAUTH_SECRET with HMAC-SHA256 under a label of its own, so a socket token can never pass
 * as a session cookie (or the reverse) even though one secret configures both. The library
 * takes the result as its `secret` option; it reads no settings itself.
 */
import { createHmac } from 'node:crypto';
import { socketTokenKey } from 'socket-gateway/advanced';
import type { Env } from '@/env';

const KEY_LABEL = 'socket-gateway/socket-token/v1';

export function socketTokenSecret(env: Pick<Env, 'socketToken' | 'nextAuthSecret'>): string | Uint8Array {
  return env.socketToken.secret ?? new Uint8Array(createHmac('sha256', env.nextAuthSecret).update(KEY_LABEL).digest());
}

type SecretSettings = Pick<Env, 'socketToken' | 'nextAuthSecret'>;
/** Per parsed settings object (parsed once per process): the HMAC and the key check run once, not per token request. */
const keys = new WeakMap<SecretSettings, Uint8Array>();

/** The signing key of socket tokens for these settings, derived once. */
export function socketTokenKeyFor(env: SecretSettings): Uint8Array {
  let key = keys.get(env);
  if (!key) keys.set(env, (key = socketTokenKey(socketTokenSecret(env))));
  return key;
}
