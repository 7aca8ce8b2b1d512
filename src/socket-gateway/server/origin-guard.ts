/**
 * The origin guard of the socket server, on every HTTP request of a session: the first one
 * (`allowRequest`: draining, foreign origin, session caps) and every later one (the polls and
 * posts of that session, and its websocket upgrade), so a foreign page that learned a session id
 * cannot ride on it (cross-site websocket hijacking).
 * @see https://socket.io/docs/v4/server-options/#allowrequest
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { ServerOptions } from 'socket.io';
import { SERVER_FULL, type HandshakeGate } from './handshake-limits';
import type { RefusalReporter } from './handshake-refusals';
import type { GatewayServer } from '../types';

export const ORIGIN_NOT_ALLOWED = 'Origin not allowed';
export const SHUTTING_DOWN = 'Server is shutting down';

/** No Origin header (not a browser), a listed origin, or (no list) the request's own host. */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[] | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins) return allowedOrigins.includes(origin);
  try {
    return req.headers.host !== undefined && new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export interface FirstRequestGuard {
  allowedOrigins: readonly string[] | undefined;
  draining(): boolean;
  /** The session caps (handshake-limits.ts); read lazily, the gate needs the server this guard is handed to. */
  handshakes(): HandshakeGate;
  refused: RefusalReporter;
}

/**
 * `allowRequest`: runs on the first request of every session, polling or websocket. Refuses while
 * draining, foreign browser origins, and handshakes past the session caps (403).
 */
export function createAllowRequest({ allowedOrigins, draining, handshakes, refused }: FirstRequestGuard): NonNullable<ServerOptions['allowRequest']> {
  return (req, callback) => {
    if (draining()) {
      refused('draining', SHUTTING_DOWN);
      return callback(SHUTTING_DOWN, false);
    }
    if (!isOriginAllowed(req, allowedOrigins)) {
      refused('origin', ORIGIN_NOT_ALLOWED);
      return callback(ORIGIN_NOT_ALLOWED, false);
    }
    const refusal = handshakes().admit(req);
    if (refusal !== null) refused(refusal === SERVER_FULL ? 'cap' : 'flood', refusal);
    callback(refusal, refusal === null);
  };
}

/**
 * Every later request of a session must come from an allowed origin too (refused with 400 Bad
 * Request; the handshake itself gets allowRequest's 403). And Engine.IO answers a polling POST over
 * `maxHttpBufferSize` with 413 but keeps the session: `closeSession` ends it, as a websocket over
 * the cap is closed.
 */
export function guardLaterRequests(io: GatewayServer, allowedOrigins: readonly string[] | undefined, closeSession: (sid: string) => void): void {
  io.engine.use((req: IncomingMessage, res: unknown, next: (error?: Error) => void) => {
    const sid = (req as { _query?: Record<string, string | undefined> })._query?.sid;
    if (!sid) return next(); // a handshake: allowRequest decides
    if (!isOriginAllowed(req, allowedOrigins)) return next(new Error(ORIGIN_NOT_ALLOWED));
    if (req.method === 'POST' && res instanceof ServerResponse) {
      res.once('finish', () => {
        if (res.statusCode === 413) closeSession(sid);
      });
    }
    next();
  });
}
