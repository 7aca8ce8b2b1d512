/**
 * `sessionFromCookies` (src/server/auth.ts) reads the session the way `getServerSession` does,
 * without next-auth's full request handler. Differential: for each cookie jar, the session it
 * returns equals the body of next-auth's own session route (`AuthHandler`, action `session`, the
 * code getServerSession runs), `expires` aside (now + maxAge, taken a moment apart). Null where
 * next-auth's body is empty.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Session } from 'next-auth';
import { encode } from 'next-auth/jwt';
import { afterEach, describe, expect, it } from 'vitest';
import { authOptions, sessionFromCookies } from '@/server/auth';

// next-auth's core is not in its package exports: loaded by path (the handler getServerSession calls).
const require = createRequire(import.meta.url);
const { AuthHandler } = require(join(dirname(require.resolve('next-auth')), 'core/index.js')) as {
  AuthHandler: (params: { req: Record<string, unknown>; options: Record<string, unknown> }) => Promise<{ body?: unknown }>;
};
const secret = process.env.NEXTAUTH_SECRET!;
const NAME = 'next-auth.session-token';

async function nextAuthSession(cookies: Record<string, string>): Promise<Session | null> {
  const response = await AuthHandler({
    req: { action: 'session', method: 'GET', cookies, headers: {}, query: {}, body: {} },
    options: { ...authOptions, providers: [], secret },
  });
  const body = response.body as Session | undefined;
  return body && typeof body === 'object' && Object.keys(body).length ? body : null;
}

const withoutExpires = (session: Session | null) => session && { ...session, expires: '(now + maxAge)' };

async function expectSame(cookies: Record<string, string>): Promise<Session | null> {
  const ours = await sessionFromCookies(cookies);
  expect(withoutExpires(ours)).toEqual(withoutExpires(await nextAuthSession(cookies)));
  if (ours) expect(Math.abs(Date.parse(ours.expires) - (Date.now() + authOptions.session!.maxAge! * 1000))).toBeLessThan(5000);
  return ours;
}

const token = (claims: Record<string, unknown>, maxAge = 3600) => encode({ token: claims, secret, maxAge });

describe('sessionFromCookies', () => {
  const url = process.env.NEXTAUTH_URL;
  afterEach(() => {
    if (url === undefined) delete process.env.NEXTAUTH_URL;
    else process.env.NEXTAUTH_URL = url;
  });

  it('gives the session next-auth gives for a valid cookie', async () => {
    const session = await expectSame({ [NAME]: await token({ sub: 'alice', name: 'alice', role: 'admin', signedInAt: 1234 }), other: 'x' });
    expect(session).toMatchObject({ user: { id: 'alice', name: 'alice', role: 'admin' }, signedInAt: 1234 });
  });

  it('joins chunked cookies (name.0, name.1, ...) in order', async () => {
    const value = await token({ sub: 'bob', name: 'bob', role: 'user', signedInAt: 1 });
    const cut = Math.floor(value.length / 2);
    const session = await expectSame({ [`${NAME}.1`]: value.slice(cut), [`${NAME}.0`]: value.slice(0, cut) });
    expect(session?.user.id).toBe('bob');
  });

  it('is null without a cookie, with a garbage one, an expired one, or one under another secret', async () => {
    expect(await expectSame({})).toBeNull();
    expect(await expectSame({ [NAME]: 'garbage' })).toBeNull();
    expect(await expectSame({ [NAME]: await token({ sub: 'alice' }, -60) })).toBeNull();
    const foreign = await encode({ token: { sub: 'mallory' }, secret: 'another-secret-another-secret-0123', maxAge: 60 });
    expect(await expectSame({ [NAME]: foreign })).toBeNull();
  });

  it('reads the __Secure- cookie only when NEXTAUTH_URL is https', async () => {
    const value = await token({ sub: 'carol', name: 'carol', role: 'user', signedInAt: 2 });
    process.env.NEXTAUTH_URL = 'https://app.example.com';
    expect((await sessionFromCookies({ [`__Secure-${NAME}`]: value }))?.user.id).toBe('carol');
    expect(await sessionFromCookies({ [NAME]: value })).toBeNull();
    process.env.NEXTAUTH_URL = 'http://localhost:3000';
    expect(await sessionFromCookies({ [`__Secure-${NAME}`]: value })).toBeNull();
    expect((await sessionFromCookies({ [NAME]: value }))?.user.id).toBe('carol');
  });
});
