/**
 * next-auth options: JWT sessions and the demo Credentials provider.
 * To use a real provider, replace `providers` (see README, "Real sign-in").
 */
import { getServerSession, type NextAuthOptions, type Session } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { findGatewayRuntime, gateway } from '@/socket-gateway';
import { verifyDemoCredentials, type Role } from './demo-users';

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
      authorize(credentials) {
        const user = verifyDemoCredentials(credentials?.username, credentials?.password);
        return user ? { id: user.id, name: user.id, role: user.role } : null;
      },
    }),
  ],
  callbacks: {
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
