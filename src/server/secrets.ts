/**
 * Start-up checks for the auth settings, run by server.ts before Next starts (both share
 * `process.env`, so values set here reach next-auth inside Next's bundles).
 */
import { randomBytes } from 'node:crypto';
import type { Env } from '@/socket-gateway/config';

export interface AuthEnvResult {
  /** True when a throwaway NEXTAUTH_SECRET was generated (development only). */
  generatedSecret: boolean;
}

export function prepareAuthEnv(env: Env, options: { dev: boolean; port: number; hostname: string }): AuthEnvResult {
  let generatedSecret = false;
  if (!env.NEXTAUTH_SECRET) {
    if (!options.dev) {
      throw new Error(
        'NEXTAUTH_SECRET is not set. Production needs a fixed secret for sessions and socket tokens; ' +
          'generate one with `openssl rand -base64 32` and set NEXTAUTH_SECRET.',
      );
    }
    env.NEXTAUTH_SECRET = randomBytes(32).toString('base64url');
    generatedSecret = true;
  }
  if (!env.NEXTAUTH_URL) {
    const host = options.hostname === '0.0.0.0' || options.hostname === '::' ? 'localhost' : options.hostname;
    env.NEXTAUTH_URL = `http://${host.includes(':') ? `[${host}]` : host}:${options.port}`;
  }
  return { generatedSecret };
}
