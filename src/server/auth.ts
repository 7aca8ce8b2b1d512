/**
 * next-auth options: JWT sessions and the demo Credentials provider; the session of a page or a
 * route Next renders (`getServerAuthSession`, from Next's `cookies()`).
 * To use a real provider, replace `providers` (see docs/architecture.md, "Real sign-in").
 */
import type { NextAuthOptions, Session } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { cookies } from 'next/headers';
import { revokeOnSignOut } from 'socket-gateway/next';
import { sharedAuthLogger } from './auth-logger';
import { SESSION_MAX_AGE_S, sessionCallbacks, sessionFromCookies, unlessRevoked } from './auth-session';
import { verifyDemoCredentials } from './demo-users';
import { CLIENT_ADDRESS_HEADER } from './http/client-address';
import { SignInThrottledError, signInThrottle } from './http/sign-in-throttle';
import { safeCallbackUrl } from './safe-callback-url';

// Where a session is read outside Next too (server.ts): auth-session.ts.
export { sessionFromCookies, unlessRevoked } from './auth-session';

export const authOptions: NextAuthOptions = {
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_S },
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
    ...sessionCallbacks,
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

/**
 * The signed-in session, or null. A session issued before the user's last sign-out is null
 * too: a cookie copied before signing out can no longer call procedures or mint socket tokens.
 * (next-auth's JWT sessions are stateless; the revocation store is what remembers sign-outs.)
 */
export async function getServerAuthSession(): Promise<Session | null> {
  const store = await cookies();
  return unlessRevoked(await sessionFromCookies(Object.fromEntries(store.getAll().map((cookie) => [cookie.name, cookie.value]))));
}
