'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useSocketStatus } from './socket';

/**
 * Once the socket is connected (again), the server answers: queries that gave up while it was
 * unreachable fetch again, so their error ("Can't reach the server") does not outlive the outage.
 */
export function useRetryFailedQueriesOnReconnect(): void {
  const { status } = useSocketStatus();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (status !== 'connected') return;
    queryClient.refetchQueries({ type: 'active', predicate: (query) => query.state.status === 'error' }).catch(() => undefined);
  }, [status, queryClient]);
}
