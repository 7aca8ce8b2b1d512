import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode, RefObject } from 'react';
import { type SocketStore } from 'socket-gateway/react';
import { SocketProvider } from '@/app/_components/socket';
import { createAppTRPCClient, TRPCProvider } from '@/trpc/react';
import { FAST_RECONNECT, tokenFor } from './socket-harness';

/**
 * One browser tab of `userId` as the app wires it: its own QueryClient, a tRPC client whose link
 * reads the tab's socket store (the "to others" header), and the SocketProvider filling it.
 */
export function createAppTab({ apiUrl, socketUrl, userId }: { apiUrl: string; socketUrl: string; userId: string }) {
  const tabSocket: RefObject<SocketStore | null> = { current: null };
  const queryClient = new QueryClient();
  const trpcClient = createAppTRPCClient(apiUrl, undefined, () => tabSocket.current?.getSocketId());
  return function Tab({ children }: { children: ReactNode }) {
    return (
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <SocketProvider
            ref={tabSocket}
            userId={userId}
            getToken={tokenFor(userId)}
            url={socketUrl}
            options={{ ...FAST_RECONNECT, transports: ['websocket'] }}
          >
            {children}
          </SocketProvider>
        </TRPCProvider>
      </QueryClientProvider>
    );
  };
}
