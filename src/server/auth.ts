/**
 * next-auth options: JWT sessions and the demo Credentials provider.
 * To use a real provider, replace `providers` (see README, "Real sign-in").
 */
import { getServerSession, type NextAuthOptions, type Session } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { findGatewayRuntime, gateway } from '@/socket-gateway';
import { sharedAuthLogger } from './auth-logger';
import { verifyDemoCredentials, type Role } from './demo-users';
import { CLIENT_ADDRESS_HEADER } from './http/client-address';
import { SignInThrottledError, signInThrottle } from './http/sign-in-throttle';
import { safeCallbackUrl } from './safe-callback-url';

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
      authorize(credentials, req) {
        // Throttled per username and per client address (stamped by server.ts from the
        // connection, never taken from the client); check and count with no await between.
        const username = typeof credentials?.username === 'string' ? credentials.username : '';
        const address = String((req.headers as Record<string, unknown> | undefined)?.[CLIENT_ADDRESS_HEADER] ?? 'unknown');
        const throttle = signInThrottle();
        const refusal = throttle.refusal(username, address);
        // next-auth hands the message to the sign-in form (`error`).
        if (refusal) throw new SignInThrottledError(refusal);
        const user = verifyDemoCredentials(credentials?.username, credentials?.password);
        if (!user) {
          throttle.failed(username, address);
          return null;
        }
        throttle.succeeded(username);
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
      if (token?.sub && findGatewayRuntime()) await gateway.revokeUserSockets(token.sub);
    },
  },
};

/**
 * The signed-in session, or null. A session issued before the user's last sign-out is null
 * too: a cookie copied before signing out can no longer call procedures or mint socket tokens.
 * (next-auth's JWT sessions are stateless; the revocation store is what remembers sign-outs.)
 */
export async function getServerAuthSession(): Promise<Session | null> {
  const session = await getServerSession(authOptions);
  if (!session?.user?.id) return session;
  if (findGatewayRuntime() && (await gateway.isRevoked(session.user.id, session.signedInAt))) return null;
  return session;
}
