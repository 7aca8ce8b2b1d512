/**
 * Sign-out revocation, for any auth library's sign-out event: the user's open sockets close on
 * every tab and node, and socket tokens minted before now stop working.
 * - next-auth 4: `events: { signOut: ({ token }) => revokeOnSignOut(token?.sub) }`
 * - Auth.js 5:   `events: { signOut: (message) => revokeOnSignOut('token' in message ? message.token?.sub : message.session?.userId) }`
 * A process with no gateway running (a worker that shares the auth config) skips it: the
 * gateway's nodes are where the sockets are.
 */
import { getGateway } from '../get-gateway';
import { findGatewayRuntime } from '../registry';

export async function revokeOnSignOut(userId: string | null | undefined): Promise<void> {
  if (!userId || !findGatewayRuntime()) return;
  await getGateway().revokeUserSockets(userId);
}
