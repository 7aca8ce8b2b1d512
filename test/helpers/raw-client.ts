/**
 * A raw Engine.IO v4 / Socket.IO v5 client over the `ws` package, for tests that must send
 * what no well-behaved client would: floods, oversized frames, malformed packets, foreign
 * Origin headers.
 *
 * Wire format in one paragraph: every websocket text frame is one Engine.IO packet, its
 * first character the type (0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop).
 * A message's payload is a Socket.IO packet, again led by its type (0 CONNECT, 1 DISCONNECT,
 * 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK). So `40{"token":"…"}`
 * connects to `/` with that auth, `42["name",data]` is an event, and the server answers a
 * connect with `40{"sid":"…"}` or `44{"message":"Unauthorized"}`.
 * @see https://socket.io/docs/v4/socket-io-protocol/
 */
import WebSocket, { type RawData } from 'ws';

export interface RawClient {
  ws: WebSocket;
  /** Every text frame received so far (pings excluded: they are answered automatically). */
  messages: string[];
  /** Resolves with the first received frame (past or future) matching `match`. */
  waitFor(match: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once the websocket is closed, with its close code. */
  closed(timeoutMs?: number): Promise<number>;
  isClosed(): boolean;
  send(frame: string | Buffer): void;
  close(): void;
}

export interface RawConnectOptions {
  /** Sent as the `Origin` header (omitted by default, like a native client). */
  origin?: string;
  /** Extra query, for example `sid` to upgrade an existing polling session. */
  query?: Record<string, string>;
  /** Answer the server's pings (default true). */
  autoPong?: boolean;
}

export function socketIoUrl(baseUrl: string, transport: 'websocket' | 'polling', query: Record<string, string> = {}): string {
  const url = new URL('/socket.io/', baseUrl);
  url.searchParams.set('EIO', '4');
  url.searchParams.set('transport', transport);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  if (transport === 'websocket') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Opens a raw websocket to the Engine.IO endpoint. Resolves once it is open; rejects on an HTTP refusal with `{ statusCode, body }`. */
export function openRaw(baseUrl: string, options: RawConnectOptions = {}): Promise<RawClient> {
  const ws = new WebSocket(socketIoUrl(baseUrl, 'websocket', options.query), {
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    // Let the server's size cap be what stops big frames, not the client.
    maxPayload: 0,
  });
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  let closeCode: number | undefined;
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const frame = isBinary ? `<binary ${(data as Buffer).length}>` : data.toString();
    if (frame === '2' && options.autoPong !== false) {
      ws.send('3');
      return;
    }
    messages.push(frame);
    notify();
  });
  ws.on('close', (code: number) => {
    closeCode = code;
    notify();
  });
  ws.on('error', () => undefined);

  /**
   * Resolves with what `check` returns once it is not undefined (re-checked on every frame and
   * on close); `check` may throw to reject. Rejects with `timeoutMessage()` after `timeoutMs`.
   */
  const waitUntil = <T>(check: () => T | undefined, timeoutMs: number, timeoutMessage: () => string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        try {
          const result = check();
          if (result === undefined) return;
          done();
          resolve(result);
        } catch (error) {
          done();
          reject(error);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(timeoutMessage()));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(attempt);
      };
      waiters.add(attempt);
      attempt();
    });

  const client: RawClient = {
    ws,
    messages,
    waitFor(match, timeoutMs = 10_000) {
      return waitUntil(
        () => {
          const found = messages.find(match);
          if (found === undefined && closeCode !== undefined) {
            throw new Error(`socket closed (${closeCode}) before a matching frame; got ${JSON.stringify(messages)}`);
          }
          return found;
        },
        timeoutMs,
        () => `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(messages)}`,
      );
    },
    closed(timeoutMs = 10_000) {
      return waitUntil(
        () => closeCode,
        timeoutMs,
        () => `socket still open after ${timeoutMs} ms`,
      );
    },
    isClosed: () => closeCode !== undefined,
    send(frame) {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    },
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
    },
  };

  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      const refuse = () => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { statusCode: res.statusCode, body }));
        ws.terminate();
      };
      res.once('end', refuse);
      res.once('close', refuse);
    });
    ws.once('error', reject);
  });
}

/**
 * Opens a raw websocket, waits for the Engine.IO open packet and connects to `/` with
 * `auth`. Resolves once the server acknowledged the CONNECT (`40{"sid":…}`).
 */
export async function connectRaw(baseUrl: string, auth: unknown, options: RawConnectOptions = {}): Promise<RawClient> {
  const client = await openRaw(baseUrl, options);
  await client.waitFor((frame) => frame.startsWith('0{'));
  client.send(`40${JSON.stringify(auth)}`);
  const reply = await client.waitFor((frame) => frame.startsWith('40') || frame.startsWith('44'));
  if (reply.startsWith('44')) {
    client.close();
    throw new Error(`connect refused: ${reply}`);
  }
  return client;
}

/** A Socket.IO EVENT frame as a client would send it. */
export function eventFrame(name: string, ...args: unknown[]): string {
  return `42${JSON.stringify([name, ...args])}`;
}

/** A raw HTTP request to the polling transport (fetch would hide or forbid the Origin header). */
export async function pollingRequest(
  baseUrl: string,
  options: { origin?: string; method?: 'GET' | 'POST'; query?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  const url = new URL(socketIoUrl(baseUrl, 'polling', options.query));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(options.origin === undefined ? {} : { origin: options.origin }),
          ...(options.body === undefined ? {} : { 'content-type': 'text/plain;charset=UTF-8' }),
          connection: 'close',
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
