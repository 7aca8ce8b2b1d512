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

export function createAppTRPCClient(baseUrl = ''): TRPCClient<AppRouter> {
  // Plain JSON on the wire (no transformer), same origin: the session cookie goes along.
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${baseUrl}/api/trpc` })] });
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() => createAppTRPCClient());
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
