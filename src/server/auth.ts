/**
 * next-auth options: JWT sessions and the demo Credentials provider.
 * To use a real provider, replace `providers` (see docs/architecture.md, "Real sign-in").
 */
import type { NextAuthOptions, Session } from 'next-auth';
import { getToken, type JWT, type JWTDecodeParams } from 'next-auth/jwt';
import CredentialsProvider from 'next-auth/providers/credentials';
import { cookies } from 'next/headers';
import { findGatewayRuntime } from 'socket-gateway/advanced';
import { revokeOnSignOut } from 'socket-gateway/next';
import { gateway } from '@/server/gateway';
import { sharedAuthLogger } from './auth-logger';
import { verifyDemoCredentials, type Role } from './demo-users';
import { CLIENT_ADDRESS_HEADER } from './http/client-address';
import { SignInThrottledError, signInThrottle } from './http/sign-in-throttle';
import { safeCallbackUrl } from './safe-callback-url';
import { decodeSessionToken } from './session-decode';

export const authOptions: NextAuthOptions = {
  session: { strategy: 'jwt', maxAge: 8 * 60 * 60 },
  pages: { signIn: '/signin' },
  providers: [
    CredentialsProvider({
      name: 'Demo account',
      credentials: {
        username: { label: 'Username', type: 'text' },
        password: { label: 'Password', type: 'password' },
      },
      async authorize(credentials, req) {
        // Throttled per username and client address (stamped by server.ts from the connection,
        // never taken from the client), in the shared rate-limit store: see sign-in-throttle.ts.
        const username = typeof credentials?.username === 'string' ? credentials.username : '';
        const address = String((req.headers as Record<string, unknown> | undefined)?.[CLIENT_ADDRESS_HEADER] ?? 'unknown');
        const throttle = signInThrottle();
        const refusal = await throttle.attempt(username, address);
        // next-auth hands the message to the sign-in form (`error`).
        if (refusal) throw new SignInThrottledError(refusal);
        const user = verifyDemoCredentials(credentials?.username, credentials?.password);
        if (!user) {
          await throttle.failed(username, address);
          return null;
        }
        await throttle.succeeded(username, address);
        return { id: user.id, name: user.id, role: user.role };
      },
    }),
  ],
  callbacks: {
    // Where next-auth sends the browser after signing in or out: this site only (see safe-callback-url.ts).
    redirect({ url, baseUrl }) {
      return new URL(safeCallbackUrl(url, baseUrl), baseUrl).href;
    },
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
  },
  // One short line per event, and not every time (a garbage session cookie used to log a stack trace per request).
  logger: sharedAuthLogger(),
  events: {
    // Revocation: a signed-out user's open sockets close on every tab, and socket tokens
    // minted before the sign-out stop working.
    async signOut({ token }) {
      await revokeOnSignOut(token?.sub);
    },
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
  const callbacks = authOptions.callbacks!;
  const token = await callbacks.jwt!({ token: decoded, session: undefined } as Parameters<NonNullable<typeof callbacks.jwt>>[0]);
  const expires = new Date(Date.now() + authOptions.session!.maxAge! * 1000).toISOString();
  const session = { user: { name: decoded.name, email: decoded.email, image: decoded.picture }, expires };
  return (await callbacks.session!({ session, token } as Parameters<NonNullable<typeof callbacks.session>>[0])) as Session;
}

/**
 * The signed-in session, or null. A session issued before the user's last sign-out is null
 * too: a cookie copied before signing out can no longer call procedures or mint socket tokens.
 * (next-auth's JWT sessions are stateless; the revocation store is what remembers sign-outs.)
 */
export async function getServerAuthSession(): Promise<Session | null> {
  const store = await cookies();
  return unlessRevoked(await sessionFromCookies(Object.fromEntries(store.getAll().map((cookie) => [cookie.name, cookie.value]))));
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
