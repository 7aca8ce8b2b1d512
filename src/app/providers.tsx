'use client';

import type { Session } from 'next-auth';
import { usePathname } from 'next/navigation';
import { SessionProvider, useSession } from 'next-auth/react';
import { useCallback, useMemo, type ReactNode } from 'react';
import { sseTransport } from 'socket-gateway/react';
import { SocketProvider } from '@/app/_components/socket';
import { TRPCReactProvider, useTabSocketRef, useTRPCClient } from '@/trpc/react';

/** Session, tRPC + TanStack Query, and the tab's socket, for every page. */
export function Providers({
  session,
  maxBatchSize,
  transport = 'socket',
  children,
}: {
  session: Session | null;
  maxBatchSize: number;
  /** REALTIME_TRANSPORT: Socket.IO, or the `socket.events` subscription over SSE (no socket server needed). */
  transport?: 'socket' | 'sse';
  children: ReactNode;
}) {
  return (
    <SessionProvider session={session}>
      <TRPCReactProvider maxBatchSize={maxBatchSize}>
        <SessionSocketProvider transport={transport}>{children}</SessionSocketProvider>
      </TRPCReactProvider>
    </SessionProvider>
  );
}

/** Pages that never show live data. The sign-in page is signed in for a moment before it navigates away. */
const OFFLINE_PATHS = ['/signin'];

/** Connects while a user is signed in, with tokens from `socket.token`; signing out disconnects. */
function SessionSocketProvider({ transport, children }: { transport: 'socket' | 'sse'; children: ReactNode }) {
  const { data, status } = useSession();
  const pathname = usePathname();
  const trpcClient = useTRPCClient();
  const tabSocket = useTabSocketRef(); // the tRPC link sends this tab's socket id ("to others")
  const getToken = useCallback(() => trpcClient.socket.token.query(), [trpcClient]);
  const offline = OFFLINE_PATHS.some((path) => pathname === path || pathname.startsWith(`${path}/`));
  const userId = status === 'authenticated' && !offline ? data.user.id : null;
  const sse = useMemo(
    () => (transport === 'sse' ? sseTransport((input, handlers) => trpcClient.socket.events.subscribe(input, handlers)) : undefined),
    [transport, trpcClient],
  );
  return (
    <SocketProvider ref={tabSocket} userId={userId} getToken={getToken} transport={sse}>
      {children}
    </SocketProvider>
  );
}
