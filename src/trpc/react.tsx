'use client';

/**
 * The tRPC client for the browser: `@trpc/tanstack-react-query` over TanStack Query.
 * Components call `useTRPC()` for query/mutation options, `useTRPCClient()` for plain calls.
 * @see https://trpc.io/docs/client/tanstack-react-query/setup
 */
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { createContext, useContext, useState, type ReactNode, type RefObject } from 'react';
import type { AppRouter } from '@/server/trpc/root';
import { socketIdHeaders, type SocketStore } from 'socket-gateway/react';
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

export function createAppTRPCClient(
  baseUrl = '',
  maxBatchSize = DEFAULT_MAX_BATCH_SIZE,
  getSocketId: () => string | undefined = () => undefined,
): TRPCClient<AppRouter> {
  // Plain JSON on the wire (no transformer), same origin: the session cookie goes along. "To others":
  // the tab's socket id rides in `x-socket-id` (socketIdHeaders), when it has a connected socket.
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        // `socket.events` (the SSE transport): server-sent events, resumed with `lastEventId` by the link.
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url: `${baseUrl}/api/trpc` }),
        false: httpBatchLink({ url: `${baseUrl}/api/trpc`, maxItems: maxBatchSize, headers: () => socketIdHeaders(getSocketId) }),
      }),
    ],
  });
}

/** Where the tab's socket store is handed to the tRPC link: `<SocketProvider ref={useTabSocketRef()}>`. */
const TabSocketContext = createContext<RefObject<SocketStore | null> | null>(null);

/** The ref the SocketProvider fills with the tab's socket store, read by the tRPC link for `x-socket-id`. */
export function useTabSocketRef(): RefObject<SocketStore | null> {
  const ref = useContext(TabSocketContext);
  if (!ref) throw new Error('useTabSocketRef must be used inside <TRPCReactProvider>');
  return ref;
}

export function TRPCReactProvider({ children, maxBatchSize }: { children: ReactNode; maxBatchSize?: number }) {
  const queryClient = getQueryClient();
  // A ref in all but name: filled by SocketProvider, read only when the link sends a request.
  const [tabSocket] = useState<RefObject<SocketStore | null>>(() => ({ current: null }));
  const [trpcClient] = useState(() => createAppTRPCClient('', maxBatchSize, () => tabSocket.current?.getSocketId()));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <TabSocketContext.Provider value={tabSocket}>{children}</TabSocketContext.Provider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
