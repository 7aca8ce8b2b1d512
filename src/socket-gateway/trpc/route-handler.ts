/**
 * The route handler of a tRPC endpoint on the fetch adapter (a Next.js App Router route, or any
 * server with `Request`/`Response`) with the guards an app needs on it:
 * - the cross-site guard (request-guard.ts) before tRPC reads anything;
 * - a batch cap: a batch of more than `maxBatchSize` calls is refused whole (400) before its
 *   body is read, and runs nothing (on every @trpc/server 11, whether or not it has its own) (red-team H2: 1,500 calls in one request ran at once, +400 MB RSS). Give the client's
 *   `httpBatchLink` the same `maxItems`;
 * - `Cache-Control: no-store` on every answer (they carry per-user data such as socket tokens);
 * - `Retry-After` (seconds) on a rate-limit refusal.
 * @see https://trpc.io/docs/server/adapters/fetch
 */
import type { AnyTRPCRouter } from '@trpc/server';
import { fetchRequestHandler, type FetchCreateContextFn, type FetchHandlerRequestOptions } from '@trpc/server/adapters/fetch';
import { assertGuardOptions, DEFAULT_MAX_BATCH_SIZE, guardedResponseMeta, procedurePath } from './handler-common';
import { batchRefusal, crossSiteRefusal } from './request-guard';

export { DEFAULT_MAX_BATCH_SIZE } from './handler-common';

export interface TRPCRouteHandlerOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  createContext: FetchCreateContextFn<TRouter>;
  /** Every origin the app is served from; a POST from any other is refused (403). */
  allowedOrigins: readonly string[];
  /** The path the handler is mounted on (default `/api/trpc`). */
  endpoint?: string;
  /** Most calls in one batch (default 10); a bigger batch is refused whole. */
  maxBatchSize?: number;
  onError?: FetchHandlerRequestOptions<TRouter>['onError'];
}

/** `export const { GET, POST } = { GET: handler, POST: handler }` in `app/api/trpc/[trpc]/route.ts`. */
export function createTRPCRouteHandler<TRouter extends AnyTRPCRouter>(options: TRPCRouteHandlerOptions<TRouter>): (req: Request) => Promise<Response> {
  const { router, createContext, allowedOrigins, onError, endpoint = '/api/trpc', maxBatchSize = DEFAULT_MAX_BATCH_SIZE } = options;
  assertGuardOptions({ allowedOrigins, maxBatchSize });
  return async (req) => {
    const path = procedurePath(new URL(req.url).pathname, endpoint);
    const refused = crossSiteRefusal(req, { allowedOrigins, path }) ?? batchRefusal(req, { maxBatchSize, path });
    if (refused) return refused;
    return fetchRequestHandler({
      endpoint,
      req,
      router,
      createContext,
      responseMeta: guardedResponseMeta,
      ...(onError ? { onError } : {}),
    } as FetchHandlerRequestOptions<TRouter>);
  };
}
