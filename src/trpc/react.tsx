'use client';

/**
 * The tRPC client for the browser: `@trpc/tanstack-react-query` over TanStack Query.
 * Components call `useTRPC()` for query/mutation options, `useTRPCClient()` for plain calls.
 * @see https://trpc.io/docs/client/tanstack-react-query/setup
 */
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '@/server/trpc/root';
import { createQueryClient } from './query-client';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

let browserQueryClient: QueryClient | undefined;

/** Server rendering: a new client per request. Browser: one per tab. */
function getQueryClient(): QueryClient {
  if (typeof window === 'undefined') return createQueryClient();
  return (browserQueryClient ??= createQueryClient());
}

/** The server refuses bigger batches (TRPC_MAX_BATCH_SIZE); the layout passes its value down. */
const DEFAULT_MAX_BATCH_SIZE = 10;

export function createAppTRPCClient(baseUrl = '', maxBatchSize = DEFAULT_MAX_BATCH_SIZE): TRPCClient<AppRouter> {
  // Plain JSON on the wire (no transformer), same origin: the session cookie goes along.
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${baseUrl}/api/trpc`, maxItems: maxBatchSize })] });
}

export function TRPCReactProvider({ children, maxBatchSize }: { children: ReactNode; maxBatchSize?: number }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() => createAppTRPCClient('', maxBatchSize));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
