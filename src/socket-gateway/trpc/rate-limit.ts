/**
 * Per-user rate limits for tRPC procedures: token buckets in the gateway's rate-limit store
 * (memory on one node, Redis in a cluster, so adding nodes does not multiply a limit). A refusal
 * is tRPC's TOO_MANY_REQUESTS whose message says when to try again, with a `RateLimitedError`
 * cause carrying `retryAfterMs` (`retryAfterMsOf` reads it for an error formatter; the route
 * handler also answers `Retry-After`). Refused calls take nothing; every accepted call takes one
 * token, so place the middleware after `.input()` where only well-formed calls should count.
 * @see https://trpc.io/docs/server/middlewares
 */
import { TRPCError } from '@trpc/server';
import { getGateway } from '../get-gateway';
import { getMetrics } from '../observability/metrics';
import type { RateLimit, TakeResult } from '../stores/types';

/** The cause of a TOO_MANY_REQUESTS refusal. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** Where the buckets live: by default the running gateway's store (`getGateway()`). */
export interface RateLimitBackend {
  takeToken(key: string, limit: RateLimit): Promise<TakeResult>;
}

export interface RateLimitOptions {
  /** The bucket family: store keys are `<name>:<key>` (for example `emit:user-1`); also the metric's `bucket` label unless `bucket` is given. */
  name: string;
  /** Tokens per second and the burst; a function is read on every call (settings parsed later than the module loads). */
  limit: RateLimit | (() => RateLimit);
  /** The refusal's message before "try again in N s" (default "Too many requests"); a function gets the key. */
  message?: string | ((key: string) => string);
  /** The `bucket` label of `socket_gateway_rate_limited_total` (default `name`). */
  bucket?: string;
  /** Default: the running gateway (`getGateway()`), whose store the socket server shares. */
  backend?: RateLimitBackend;
}

export interface RateLimiter {
  /** Takes one token from `key`'s bucket, or throws TRPCError TOO_MANY_REQUESTS (cause: RateLimitedError). */
  take(key: string): Promise<void>;
}

function assertLimit(name: string, { ratePerSecond, burst }: RateLimit): void {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond) || !Number.isInteger(burst) || burst < 1)
    throw new Error(`rate limit "${name}": ratePerSecond must be a positive number and burst a positive integer`);
}

export function createRateLimit(options: RateLimitOptions): RateLimiter {
  const { name, bucket = name } = options;
  if (!/^[\w-]{1,64}$/.test(name)) throw new Error(`rate limit name must be 1-64 letters, digits, _ or -, got ${JSON.stringify(name)}`);
  const limitNow = typeof options.limit === 'function' ? options.limit : () => options.limit as RateLimit;
  if (typeof options.limit !== 'function') assertLimit(name, options.limit);
  const messageFor = (key: string) => (typeof options.message === 'function' ? options.message(key) : (options.message ?? 'Too many requests'));
  return {
    async take(key) {
      const limit = limitNow();
      assertLimit(name, limit);
      const result = await (options.backend ?? getGateway()).takeToken(`${name}:${key}`, limit);
      if (result.ok) return;
      getMetrics().rateLimited.inc({ bucket });
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      const message = `${messageFor(key)}: try again in ${seconds} s`;
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message, cause: new RateLimitedError(message, result.retryAfterMs) });
    },
  };
}

/**
 * A tRPC middleware taking one token per call from the bucket of `keyOf(ctx)` (the signed-in
 * user's id); a call without a key (no user) passes: put it after your auth middleware.
 * Plain middleware function: `procedure.input(schema).use(rateLimitMiddleware(limiter, (ctx) => ctx.user.id))`.
 */
export function rateLimitMiddleware<TContext>(limiter: RateLimiter, keyOf: (ctx: TContext) => string | null | undefined) {
  return async <TResult>(opts: { ctx: TContext; next: () => Promise<TResult> }): Promise<TResult> => {
    const key = keyOf(opts.ctx);
    if (key) await limiter.take(key);
    return opts.next();
  };
}

/** The retry hint (ms) of a rate-limit refusal, for an `errorFormatter`: `data.retryAfterMs`. Undefined for any other error. */
export function retryAfterMsOf(error: unknown): number | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  if (cause instanceof RateLimitedError) return cause.retryAfterMs;
  // Another copy of this module (a bundler that duplicated it) makes another class: recognised by shape.
  const shaped = cause as { name?: unknown; retryAfterMs?: unknown } | null;
  return shaped?.name === 'RateLimitedError' && typeof shaped.retryAfterMs === 'number' ? shaped.retryAfterMs : undefined;
}
