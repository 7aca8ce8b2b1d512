/**
 * What the two tRPC handlers (route-handler.ts on the fetch adapter, node-handler.ts on Node's
 * http server) share besides the request guards: their options' checks, the procedure path of a
 * URL, and the headers every answer gets (`Cache-Control: no-store`, `Retry-After` on a
 * rate-limit refusal).
 */
import type { TRPCError } from '@trpc/server';
import { retryAfterMsOf } from './rate-limit';

/** Calls per batch unless `maxBatchSize` says otherwise (the client's `httpBatchLink({ maxItems })` should match). */
export const DEFAULT_MAX_BATCH_SIZE = 10;

/** Throws, when the handler is created, on a batch cap that is not a positive integer or an empty origin list. */
export function assertGuardOptions({ allowedOrigins, maxBatchSize }: { allowedOrigins: readonly string[]; maxBatchSize: number }): void {
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new Error(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  if (allowedOrigins.length === 0) throw new Error('allowedOrigins must name the app origin (for example https://app.example)');
}

/** The procedure path(s) of a request to `pathname` under `endpoint` (`/api/trpc/a.b,c.d` → `a.b,c.d`), percent-decoded when it decodes. */
export function procedurePath(pathname: string, endpoint: string): string {
  const raw = pathname.startsWith(endpoint) ? pathname.slice(endpoint.length).replace(/^\//, '') : pathname;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * tRPC's `responseMeta` for both handlers: no-store on every answer (they carry per-user data
 * such as socket tokens), and `Retry-After` (whole seconds) when a call was refused by a rate limit.
 */
export function guardedResponseMeta({ errors }: { errors: readonly TRPCError[] }): { headers: Record<string, string> } {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  const retryAfterMs = Math.max(0, ...errors.map((error) => retryAfterMsOf(error) ?? 0));
  if (retryAfterMs > 0) headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
  return { headers };
}
