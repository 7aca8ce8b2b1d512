/**
 * Reading a next-auth session on the server: the session cookie's decode, next-auth's `jwt` and
 * `session` callbacks, and the revocation check. Apart from auth.ts (the options with the sign-in
 * provider, and Next's `cookies()`) because server.ts reads sessions too (its /api/trpc) and is
 * run by plain Node: `next/headers` does not resolve there (no `exports` map: ERR_MODULE_NOT_FOUND)
 * and a provider's default export is the CommonJS module object, not the function. So nothing
 * here imports either.
 */
import type { CallbacksOptions, Session } from 'next-auth';
import { getToken, type JWT, type JWTDecodeParams } from 'next-auth/jwt';
import { findGatewayRuntime } from 'socket-gateway/advanced';
import { gateway } from '@/server/gateway';
import { sharedAuthLogger } from './auth-logger';
import type { Role } from './demo-users';
import { parseCookieHeader } from './http/cookie-header';
import { decodeSessionToken } from './session-decode';

/** How long a session lasts (next-auth's `session.maxAge`), seconds. */
export const SESSION_MAX_AGE_S = 8 * 60 * 60;

/** next-auth's `jwt` and `session` callbacks (authOptions uses these): the user's id, role and sign-in time. */
export const sessionCallbacks: Pick<CallbacksOptions, 'jwt' | 'session'> = {
  jwt({ token, user }) {
    if (user) {
      token.sub = user.id;
      token.role = user.role;
      token.signedInAt = Date.now();
    }
    return token;
  },
  session({ session, token }) {
    session.user = { id: token.sub ?? '', name: token.name ?? token.sub ?? '', role: (token.role as Role) ?? 'user' };
    session.signedInAt = token.signedInAt ?? 0;
    return session;
  },
};

/** next-auth's decode (A256GCM, 15 s clock tolerance; key derived once); a cookie that does not decode logs one JWT_SESSION_ERROR line, as getServerSession does. */
async function decodeLogged(params: JWTDecodeParams): Promise<JWT | null> {
  try {
    return await decodeSessionToken(params);
  } catch (error) {
    sharedAuthLogger().error('JWT_SESSION_ERROR', error as Error);
    throw error;
  }
}

/**
 * What `getServerSession(authOptions)` returns for these cookies, without the work it does for
 * a response a server-side read never sends: it runs next-auth's whole request handler (a CSRF
 * token, then the session cookie encrypted afresh with a slid expiry, which cannot be set from a
 * route handler or a page and is thrown away): a third of the session's cost per tRPC call.
 *
 * The same steps otherwise: the session cookie found by next-auth's own reader (`getToken`: the
 * name by NEXTAUTH_URL's scheme, chunked cookies joined), next-auth's decode, then the `jwt` and
 * `session` callbacks with the arguments next-auth's session route passes them. Cookies only:
 * `getToken`'s `Authorization: Bearer` fallback is not offered (no headers are passed).
 * @see https://github.com/nextauthjs/next-auth/blob/v4/packages/next-auth/src/core/routes/session.ts
 */
export async function sessionFromCookies(cookieValues: Record<string, string>): Promise<Session | null> {
  const secureCookie = (process.env.NEXTAUTH_URL ?? '').startsWith('https://');
  const request = { cookies: cookieValues, headers: {} } as unknown as Parameters<typeof getToken>[0]['req'];
  const decoded = await getToken({ req: request, secureCookie, secret: process.env.NEXTAUTH_SECRET, decode: decodeLogged });
  if (!decoded) return null;
  const token = await sessionCallbacks.jwt({ token: decoded, session: undefined } as Parameters<typeof sessionCallbacks.jwt>[0]);
  const expires = new Date(Date.now() + SESSION_MAX_AGE_S * 1000).toISOString();
  const session = { user: { name: decoded.name, email: decoded.email, image: decoded.picture }, expires };
  return (await sessionCallbacks.session({ session, token } as Parameters<typeof sessionCallbacks.session>[0])) as Session;
}

/**
 * The session, or null when its user signed out after it was issued, or when the revocation store
 * lost its data after that (its global not-before, attacks-3 F5). `signedInAt` is epoch ms, so a
 * session from the sign-out's own second is refused too (`<=`, as for socket tokens: F8).
 */
export async function unlessRevoked(session: Session | null): Promise<Session | null> {
  if (!session?.user?.id) return session;
  if (findGatewayRuntime() && (await gateway.isRevoked(session.user.id, session.signedInAt))) return null;
  return session;
}

/**
 * `getServerAuthSession` (auth.ts) for a request Next never sees (server.ts's /api/trpc): the
 * session of the request's `Cookie` header, null when absent, invalid or revoked.
 */
export async function sessionFromCookieHeader(header: string | undefined): Promise<Session | null> {
  return unlessRevoked(await sessionFromCookies(parseCookieHeader(header)));
}
