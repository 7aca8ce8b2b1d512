'use client';

import type { Session } from 'next-auth';
import { SessionProvider, useSession } from 'next-auth/react';
import { useCallback, type ReactNode } from 'react';
import { SocketProvider } from '@/socket-gateway/react';
import { TRPCReactProvider, useTRPCClient } from '@/trpc/react';

/** Session, tRPC + TanStack Query, and the tab's socket, for every page. */
export function Providers({ session, children }: { session: Session | null; children: ReactNode }) {
  return (
    <SessionProvider session={session}>
      <TRPCReactProvider>
        <SessionSocketProvider>{children}</SessionSocketProvider>
      </TRPCReactProvider>
    </SessionProvider>
  );
}

/** Connects while a user is signed in, with tokens from `socket.token`; signing out disconnects. */
function SessionSocketProvider({ children }: { children: ReactNode }) {
  const { data, status } = useSession();
  const trpcClient = useTRPCClient();
  const getToken = useCallback(() => trpcClient.socket.token.query(), [trpcClient]);
  const userId = status === 'authenticated' ? data.user.id : null;
  return (
    <SocketProvider userId={userId} getToken={getToken}>
      {children}
    </SocketProvider>
  );
}
