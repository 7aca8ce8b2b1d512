import { SOCKET_ID_HEADER } from '../event-map';

/**
 * "To others": the headers that carry this tab's socket id, when it has a connected socket, so a
 * procedure can emit to every tab but this one (the server checks the id is the caller's own:
 * `ownSocketId` in socket-gateway/trpc). No socket yet: no header. For a tRPC link:
 * `httpBatchLink({ url, headers: () => socketIdHeaders(() => store.current?.getSocketId()) })`.
 */
export function socketIdHeaders(getSocketId: () => string | null | undefined): Record<string, string> {
  const socketId = getSocketId();
  return socketId ? { [SOCKET_ID_HEADER]: socketId } : {};
}
