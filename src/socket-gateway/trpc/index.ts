/**
 * socket-gateway/trpc: the guards a tRPC app needs around the gateway (server, needs @trpc/server 11).
 * - `createRateLimit` + `rateLimitMiddleware`: per-user limits on procedures that emit, in the
 *   gateway's shared rate-limit store; TOO_MANY_REQUESTS with a retry hint (`retryAfterMsOf`).
 * - `createTRPCRouteHandler`: the fetch-adapter route with the batch cap, the cross-site (CSRF)
 *   guard, no-store and Retry-After; `crossSiteRefusal` alone for a handler of your own.
 * - `createTRPCNodeHandler`: the same endpoint and guards on Node's http server (tRPC's node-http
 *   adapter), plus a body cap, for a custom server that answers `/api/trpc` before Next.js.
 * - `socketIdFromRequest` + `ownSocketId`: "to others" (`x-socket-id`), honoured only for the caller's own socket.
 *
 * @example
 * const emitLimit = createRateLimit({ name: 'emit', limit: { ratePerSecond: 1, burst: 10 }, message: 'Too many messages' });
 * export const emitRateLimit = rateLimitMiddleware(emitLimit, (ctx: { userId?: string }) => ctx.userId);
 * // app/api/trpc/[trpc]/route.ts
 * const handler = createTRPCRouteHandler({ router: appRouter, createContext, allowedOrigins: ['https://app.example'] });
 * export { handler as GET, handler as POST };
 * // or, in a custom server, before Next's handler:
 * const trpc = createTRPCNodeHandler({ router: appRouter, createContext: createNodeContext, allowedOrigins: ['https://app.example'] });
 * httpServer.on('request', (req, res) => void (trpc.handles(req.url) ? trpc(req, res) : handle(req, res)));
 * - `createEventsSubscription` (over `createEventStreams`): the gateway's events as a tRPC
 *   subscription (server-sent events), each `tracked()` with its log position (@see ./events-subscription.ts).
 */
export {
  createRateLimit,
  rateLimitMiddleware,
  RateLimitedError,
  retryAfterMsOf,
  type RateLimitBackend,
  type RateLimiter,
  type RateLimitOptions,
} from './rate-limit';
export { createTRPCRouteHandler, DEFAULT_MAX_BATCH_SIZE, type TRPCRouteHandlerOptions } from './route-handler';
export { createTRPCNodeHandler, DEFAULT_MAX_BODY_BYTES, type TRPCNodeHandler, type TRPCNodeHandlerOptions } from './node-handler';
export { BATCH_TOO_LARGE, batchRefusal, crossSiteRefusal, CROSS_SITE_REFUSED, JSON_REQUIRED, type RequestGuardOptions } from './request-guard';
export { ownSocketId, socketIdFromRequest, type RequestWithHeaders } from './socket-id';
export type { RateLimit } from '../stores/types';
export {
  createEventsSubscription,
  parseEventsInput,
  type EventsInput,
  type EventsSubscriptionOptions,
  type StreamEvent,
  type StreamUser,
} from './events-subscription';
export {
  createEventStreams,
  EventStreamClosedError,
  EventStreamLimitError,
  formatEventId,
  parseEventId,
  STREAM_SYNC_EVENT,
  type EventStreamItem,
  type EventStreams,
  type EventStreamsOptions,
  type OpenStreamOptions,
} from '../sse/event-stream';
