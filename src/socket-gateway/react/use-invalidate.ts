'use client';

import { useQueryClient, type InvalidateQueryFilters, type Query, type QueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { EventMap } from '../event-map';
import { useSocketStore } from './socket-context';
import { isStaleAfter } from './socket-store';
import { useIsomorphicLayoutEffect } from './use-isomorphic-layout-effect';
import { useSocketEvent, type ClientEventName, type ClientEventPayload } from './use-socket-event';

/**
 * Which cached queries to refetch: TanStack Query filters (tRPC gives them as
 * `trpc.room.history.queryFilter({ room })` or `trpc.room.pathFilter()`; plain TanStack as
 * `{ queryKey: ['todos'] }`), a list of them, or nothing (null, undefined, false).
 */
export type QueryTargets = InvalidateQueryFilters | readonly InvalidateQueryFilters[] | null | undefined | false;

export interface UseInvalidateOptions {
  /** Listen only while true (default true). */
  enabled?: boolean;
  /** The QueryClient to invalidate in (default: the one from `QueryClientProvider`). */
  queryClient?: QueryClient;
}

function invalidate(queryClient: QueryClient, targets: QueryTargets): void {
  if (!targets) return;
  const list: readonly InvalidateQueryFilters[] = Array.isArray(targets) ? targets : [targets as InvalidateQueryFilters];
  for (const filters of list) {
    const firstFetches = firstFetchesUnderWay(queryClient, filters);
    // Active queries refetch now (an in-flight fetch is replaced), inactive ones when next used.
    const refetched = queryClient.invalidateQueries(filters).catch(() => undefined);
    if (firstFetches.size === 0) continue;
    // Those it joined instead: once their answer is in, once more.
    void refetched.then(() =>
      queryClient.invalidateQueries({ predicate: (query) => firstFetches.has(query), refetchType: filters.refetchType }).catch(() => undefined),
    );
  }
}

/**
 * The queries `invalidateQueries(filters)` would refetch that are on their FIRST fetch. TanStack
 * replaces a fetch under way with a new one (`cancelRefetch`) only when the query already has
 * data; a first fetch is joined instead, and its answer, which the server may have produced
 * before the event happened, clears the invalidation: the event is lost, and live data
 * (`staleTime: Infinity`) shows the old state until something else refetches it. (A room card
 * mounted just before a post arrived kept "No messages yet": membership-tabs.test.ts failed that
 * way under load.) These get one more refetch once that answer is in: the page shows it at once,
 * then what the event changed.
 * @see https://tanstack.com/query/v5/docs/reference/QueryClient#queryclientrefetchqueries (cancelRefetch)
 */
function firstFetchesUnderWay(queryClient: QueryClient, filters: InvalidateQueryFilters): Set<Query> {
  const type = filters.refetchType ?? filters.type ?? 'active';
  if (type === 'none') return new Set();
  const fetching = queryClient.getQueryCache().findAll({ ...filters, type, fetchStatus: 'fetching' });
  // `invalidateQueries` skips disabled and static queries: so does this.
  return new Set(fetching.filter((query) => query.state.data === undefined && !query.isDisabled() && !query.isStatic()));
}

/**
 * Keeps query data fresh from pushed events: each `event` invalidates the queries `select`
 * names for its payload (typed from the event map through `createSocketHooks`), so they refetch.
 *
 * @example
 * useInvalidateOnEvent('chat:message', (m) => trpc.chat.history.queryFilter({ room: m.room }));
 */
export function useInvalidateOnEvent<K extends ClientEventName<EventMap>>(
  event: K,
  select: (payload: ClientEventPayload<EventMap, K>) => QueryTargets,
  options: UseInvalidateOptions = {},
): void {
  const fromProvider = useQueryClient(options.queryClient);
  useSocketEvent(event, (payload) => invalidate(fromProvider, select(payload)), { enabled: options.enabled });
}

/**
 * Registers queries as live: pushed events keep them fresh, so when events may have been missed
 * they are invalidated (refetched). That is when the server says it could not replay what this
 * tab missed (a resync: `onResync`, `useSocketStatus().resyncedAt`), and on the tab's first
 * connection, since data fetched before the socket joined its rooms may have missed an event
 * sent in between. A reconnect that was replayed in full refetches nothing.
 *
 * @example
 * useInvalidateOnResync([trpc.room.history.pathFilter(), trpc.presence.room.pathFilter()]);
 */
export function useInvalidateOnResync(targets: QueryTargets | (() => QueryTargets), options: UseInvalidateOptions = {}): void {
  const store = useSocketStore('useInvalidateOnResync');
  const queryClient = useQueryClient(options.queryClient);
  const { enabled = true } = options;
  const targetsRef = useRef(targets);
  useIsomorphicLayoutEffect(() => {
    targetsRef.current = targets;
  }, [targets]);

  useEffect(() => {
    if (!enabled) return;
    return store.onSync((sync) => {
      if (!isStaleAfter(sync)) return;
      const current = targetsRef.current;
      invalidate(queryClient, typeof current === 'function' ? current() : current);
    });
  }, [store, queryClient, enabled]);
}
