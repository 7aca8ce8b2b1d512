/**
 * The tRPC endpoint on Node's own http server (tRPC's node-http adapter), for an app that runs a
 * custom server (server.ts) and wants `/api/trpc` answered before Next.js: Next's handling of a
 * dynamic route (the body streamed into a web `Request`, the `Response` built and streamed back,
 * the body read as a web stream) was half of what a small mutation cost (docs/benchmarks.md).
 *
 * The same guards as createTRPCRouteHandler (route-handler.ts), from the same functions:
 * - the cross-site guard and the batch cap (request-guard.ts), before the body is read or any
 *   procedure runs;
 * - a body cap of its own (`maxBodyBytes`, 413): the body is read here, into a string, before
 *   tRPC sees it (tRPC takes a string `req.body` as it is instead of streaming the request);
 * - `Cache-Control: no-store` on every answer and `Retry-After` on a rate-limit refusal
 *   (handler-common.ts).
 * Headers already set on `res` (a custom server's security headers) stay on the answer.
 * Subscriptions (server-sent events) stream as on the fetch adapter; a closed connection aborts them.
 *
 * @example
 * const trpc = createTRPCNodeHandler({ router: appRouter, createContext: ({ req }) => contextFrom(req.headers), allowedOrigins: ['https://app.example'] });
 * httpServer.on('request', (req, res) => (trpc.handles(req.url) ? void trpc(req, res) : void nextHandler(req, res)));
 * @see https://trpc.io/docs/server/adapters/standalone
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyTRPCRouter } from '@trpc/server';
import {
  nodeHTTPRequestHandler,
  type NodeHTTPCreateContextFn,
  type NodeHTTPHandlerOptions,
  type NodeHTTPRequestHandlerOptions,
} from '@trpc/server/adapters/node-http';
import { assertGuardOptions, DEFAULT_MAX_BATCH_SIZE, guardedResponseMeta, procedurePath } from './handler-common';
import { batchRefusalOf, crossSiteRefusalOf, refusal, type Refusal } from './request-guard';

/** Body cap unless `maxBodyBytes` says otherwise: 1 MiB (tRPC calls are small JSON). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface TRPCNodeHandlerOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  /** Called with tRPC's `{ req, res, info }`: `req` is the Node request (read cookies and headers from `req.headers`). */
  createContext: NodeHTTPCreateContextFn<TRouter, IncomingMessage, ServerResponse>;
  /** Every origin the app is served from; a POST from any other is refused (403). */
  allowedOrigins: readonly string[];
  /** The path the handler serves (default `/api/trpc`): that path and everything below it. */
  endpoint?: string;
  /** Most calls in one batch (default 10); a bigger batch is refused whole. */
  maxBatchSize?: number;
  /** Most bytes in a request body (default 1 MiB); a bigger one is refused (413) and runs nothing. */
  maxBodyBytes?: number;
  onError?: NodeHTTPHandlerOptions<TRouter, IncomingMessage, ServerResponse>['onError'];
}

export interface TRPCNodeHandler {
  /** Answers one request to the endpoint (never rejects). */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Whether a request to `url` (`req.url`) is this handler's: the endpoint itself or a path below it. */
  handles(url: string | undefined): boolean;
}

function writeRefusal(res: ServerResponse, { status, body }: Refusal, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    // An unread oversized body is not worth keeping the connection for.
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** The whole body as text, or null when it grows past `maxBytes` (reading stops there). Rejects when the request is aborted. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        req.resume(); // the rest is discarded, never buffered
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onAborted = () => onError(new Error('request aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** `/api/trpc` (or `endpoint`) on a Node http server: `if (trpc.handles(req.url)) return void trpc(req, res);`. */
export function createTRPCNodeHandler<TRouter extends AnyTRPCRouter>(options: TRPCNodeHandlerOptions<TRouter>): TRPCNodeHandler {
  const {
    router,
    createContext,
    allowedOrigins,
    onError,
    endpoint = '/api/trpc',
    maxBatchSize = DEFAULT_MAX_BATCH_SIZE,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  } = options;
  assertGuardOptions({ allowedOrigins, maxBatchSize });
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) throw new Error(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  if (!endpoint.startsWith('/') || endpoint.endsWith('/')) throw new Error(`endpoint must be a path such as /api/trpc, got ${JSON.stringify(endpoint)}`);

  const pathnameOf = (url: string | undefined) => (url ?? '/').split('?', 1)[0]!;
  const handles = (url: string | undefined) => {
    const pathname = pathnameOf(url);
    return pathname === endpoint || pathname.startsWith(`${endpoint}/`);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = procedurePath(pathnameOf(url), endpoint);
    const batch = query === -1 ? null : new URLSearchParams(url.slice(query + 1)).get('batch');
    const refused =
      crossSiteRefusalOf({ method: req.method, origin: req.headers.origin, contentType: req.headers['content-type'] }, { allowedOrigins, path }) ??
      batchRefusalOf(batch, { maxBatchSize, path });
    if (refused) return writeRefusal(res, refused);

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > maxBodyBytes) {
        return writeRefusal(res, refusal('PAYLOAD_TOO_LARGE', `Request body too large: at most ${maxBodyBytes} bytes here`, path), true);
      }
      let body: string | null;
      try {
        body = await readBody(req, maxBodyBytes);
      } catch {
        res.destroy(); // the client went away mid-body: nobody to answer
        return;
      }
      if (body === null) return writeRefusal(res, refusal('PAYLOAD_TOO_LARGE', `Request body too large: at most ${maxBodyBytes} bytes here`, path), true);
      // tRPC's node adapter takes a string body as it is (no web stream over the request).
      (req as IncomingMessage & { body?: unknown }).body = body;
    }

    await nodeHTTPRequestHandler({
      req,
      res,
      path,
      router,
      createContext,
      responseMeta: guardedResponseMeta,
      ...(onError ? { onError } : {}),
    } as NodeHTTPRequestHandlerOptions<TRouter, IncomingMessage, ServerResponse>);
  };
  return Object.assign(handler, { handles });
}
