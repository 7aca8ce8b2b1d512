/**
 * Request body caps, applied in server.ts before Next sees a request. Next reads a route
 * handler's body into memory with no bound of its own (a 500 MB upload to /api/auth/* grew
 * the server by 650 MB), so the bytes are counted here, as they arrive:
 *
 * - a declared `Content-Length` over the cap is answered 413 at once (with `Expect:
 *   100-continue`, before the client sends anything);
 * - a chunked body (no length known up front) is held here, at most `maxBytes` of it, and
 *   handed to Next only once it has ended within the cap; the chunk that crosses the cap gets
 *   413. Next never starts on a refused request, so a refused request changes no state.
 *
 * A refused connection is closed once the 413 is written (`Connection: close`): the rest of
 * the upload is discarded by Node, never buffered.
 * Engine.IO (/socket.io) never reaches this: it caps its own packets (`maxHttpBufferSize`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BodyLimits {
  /** Cap on /api/auth/* and /api/trpc (sign-in, tRPC: small JSON or form bodies). */
  apiBytes: number;
  /** Cap everywhere else (pages, other routes). */
  defaultBytes: number;
}

const API_PREFIXES = ['/api/auth', '/api/trpc'];

/** The cap for a request to `url` (its path decides). */
export function bodyLimitFor(url: string | undefined, limits: BodyLimits): number {
  const path = (url ?? '/').split('?', 1)[0]!;
  const api = API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  return api ? limits.apiBytes : limits.defaultBytes;
}

/** The declared body length, or null when the body is chunked (or absent). */
function declaredLength(req: IncomingMessage): number | null {
  const header = req.headers['content-length'];
  // Node's parser has already refused malformed or conflicting lengths (400).
  return header === undefined ? null : Number(header);
}

function isChunked(req: IncomingMessage): boolean {
  return /\bchunked\b/i.test(req.headers['transfer-encoding'] ?? '');
}

/** Whether a request with `Expect: 100-continue` may be told to send its body. */
export function declaredLengthFits(req: IncomingMessage, maxBytes: number): boolean {
  const length = declaredLength(req);
  return length === null || length <= maxBytes;
}

/**
 * How long a refused connection keeps reading (and discarding) what the client still sends
 * after the 413, before it is cut. Closing at once would reset a connection the client is
 * still writing to, and a reset can make it lose the 413 it was sent (nginx's
 * `lingering_close` does the same).
 */
export const LINGER_MS = 2000;

/** Answers 413 with a JSON body that says the cap, and closes the connection afterwards. */
export function refuseTooLarge(res: ServerResponse, maxBytes: number): void {
  const socket = res.socket;
  if (res.headersSent || !socket) {
    res.destroy();
    return;
  }
  // Node ends a `Connection: close` response with socket.destroySoon(); half-close instead,
  // keep discarding the upload (Node dumps the unread body) for LINGER_MS, then cut.
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  const body = JSON.stringify({
    error: { code: 'PAYLOAD_TOO_LARGE', message: `Request body too large: at most ${maxBytes} bytes here` },
  });
  res.shouldKeepAlive = false;
  res.writeHead(413, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  res.end(body);
}

type Push = (chunk: unknown, encoding?: BufferEncoding) => boolean;

/**
 * Calls `proceed` when the request's body fits `maxBytes` (at once when its length is
 * declared; once the whole body has arrived when it is chunked); otherwise answers 413 and
 * never calls it.
 */
export function limitRequestBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, proceed: () => void): void {
  const length = declaredLength(req);
  if (length !== null) {
    // Node's parser delivers exactly `length` bytes of body, never more.
    if (length > maxBytes) return refuseTooLarge(res, maxBytes);
    return proceed();
  }
  if (!isChunked(req) || req.complete) return proceed();

  // Node's HTTP parser hands each body chunk to `req.push`. Holding the chunks here (rather
  // than listening for 'data') leaves the stream untouched for Next until it is released.
  const held: Buffer[] = [];
  let received = 0;
  let refused = false;
  const instance = req as unknown as { push: Push };
  const push = instance.push;
  instance.push = (chunk, encoding) => {
    if (refused) return false;
    if (chunk === null) {
      delete (instance as { push?: Push }).push; // back to Readable.prototype.push
      for (const part of held.splice(0)) push.call(req, part);
      push.call(req, null);
      proceed();
      return false;
    }
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding);
    received += buffer.length;
    if (received > maxBytes) {
      refused = true;
      held.length = 0;
      refuseTooLarge(res, maxBytes);
      return false;
    }
    held.push(buffer);
    return true;
  };
}
