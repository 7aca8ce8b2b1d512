/**
 * "To others" on the server: the calling tab's socket id arrives in the `x-socket-id` header (the
 * client's `socketIdHeaders`). It is only the caller's claim, honoured when it names one of the
 * caller's OWN sockets: another user's id would keep THEIR tab from an event (attacks-3 F11).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseSocketId, SOCKET_ID_HEADER } from '../event-map';
import { isSocketOf } from '../server/socket-owner';

/** A fetch `Request` (its `Headers`) or a Node `IncomingMessage` (its header record). */
export type RequestWithHeaders = Pick<Request, 'headers'> | { headers: IncomingHttpHeaders };

/** The socket id `req` claims (`x-socket-id`), or undefined when absent or malformed. Put it in the tRPC context. */
export function socketIdFromRequest(req: RequestWithHeaders | undefined): string | undefined {
  if (!req) return undefined;
  const { headers } = req;
  // A Node header record is a plain object: a header the client named `get` is a string there, never a function.
  const value = typeof headers.get === 'function' ? (headers as Headers).get(SOCKET_ID_HEADER) : (headers as IncomingHttpHeaders)[SOCKET_ID_HEADER];
  return parseSocketId(value ?? undefined);
}

/**
 * `socketId` when it is an open socket of `userId` (on any node), else undefined: pass the result
 * as `exceptSocketId`. Only mutations need it (queries emit nothing): skip the check for them.
 */
export async function ownSocketId(userId: string, socketId: string | null | undefined): Promise<string | undefined> {
  if (!socketId) return undefined;
  return (await isSocketOf(userId, socketId)) ? socketId : undefined;
}
