/**
 * The demo's settings for its tRPC endpoint, one set for both ways it is served: server.ts's Node
 * handler (every request through server.ts) and Next's route src/app/api/trpc/[trpc]/route.ts
 * (only under `next start`, where server.ts does not run).
 */
import type { TRPCError } from '@trpc/server';
import { getLogger } from 'socket-gateway/advanced';
import type { Env } from '@/env';

/** One line, the message only (no stack, no input: it may hold what users typed), for calls that failed unexpectedly. */
export function logTRPCError({ error, path }: { error: TRPCError; path?: string | undefined }): void {
  if (error.code === 'INTERNAL_SERVER_ERROR')
    getLogger().error({ event: 'trpc_error', procedure: path ?? '?', error: error.message }, `tRPC ${path ?? '?'} failed: ${error.message}`);
}

export function trpcHandlerSettings(env: Pick<Env, 'appOrigin' | 'socket' | 'trpc'>) {
  return {
    // The app's own origin, or one the operator listed as the app's (SOCKET_ALLOWED_ORIGINS: every public origin of a cluster).
    allowedOrigins: [env.appOrigin, ...env.socket.allowedOrigins],
    // TRPC_MAX_BATCH_SIZE: refused whole past it; the browser client batches no more (src/trpc/react.tsx).
    maxBatchSize: env.trpc.maxBatchSize,
    onError: logTRPCError,
  };
}
