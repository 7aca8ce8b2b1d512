/**
 * "To others" (`exceptSocketId`) names a socket that must not receive an event. The id comes from
 * the caller (the `x-socket-id` header), so it is honoured only when it names one of the caller's
 * OWN sockets: otherwise anyone who learned another user's socket id could keep that user's tab
 * from receiving their posts (attacks-3 F11).
 *
 * Checked where the socket lives, without a new store or a client change:
 * - on this node (one node always; a cluster whenever the call lands where the tab's socket is):
 *   a map lookup, `socket.data.userId`;
 * - elsewhere in a cluster: one `fetchSockets` through the adapter (the Redis adapter asks every
 *   node; each answers with its sockets in that room, here the socket id's own room), bounded by
 *   `timeoutMs`. Only calls that carry the header and land on another node pay it.
 * Anything else (no server in this process, a timeout, an adapter error) is "not yours": the id is
 * then ignored, which costs the caller at most an echo of its own event.
 * @see https://socket.io/docs/v4/server-api/#serverfetchsockets
 */
import { findGatewayRuntime } from '../registry';

export const SOCKET_OWNER_TIMEOUT_MS = 1_000;

export async function isSocketOf(userId: string, socketId: string, timeoutMs = SOCKET_OWNER_TIMEOUT_MS): Promise<boolean> {
  const io = findGatewayRuntime()?.io;
  if (!io) return false;
  const local = io.of('/').sockets.get(socketId);
  if (local) return local.data.userId === userId;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  try {
    const sockets = await Promise.race([io.in(socketId).fetchSockets(), timedOut]);
    return sockets.some((socket) => socket.id === socketId && socket.data.userId === userId);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
