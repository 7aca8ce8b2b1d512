'use client';

import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { RoomMessagePayload } from '@/events';
import { useTRPC } from '@/trpc/react';

/** One of this tab's own posts, shown before (and until) the room's history has it. */
interface OwnPost {
  key: string;
  message: RoomMessagePayload;
  state: 'sending' | 'sent' | 'failed';
  error?: unknown;
}

export interface FeedItem {
  key: string;
  message: RoomMessagePayload;
  /** Set for this tab's own posts that the server has not confirmed: shown dimmed, or with why it failed. */
  pending?: 'sending' | 'failed';
  error?: unknown;
}

/** Messages per page: the newest page at first, "Show earlier" for each page before it. */
const PAGE_SIZE = 30;

let nextKey = 0;

/**
 * A room's conversation: its history from `room.history` (kept fresh by the rooms panel, which
 * refetches it when a `room:message` arrives or the socket resyncs; "Show earlier" asks for one
 * page more, so what is shown stays one unbroken stretch however it is refetched), and this
 * tab's own posts, shown at once ("optimistic"). The server sends a post to every tab but the
 * one that posted it, so the post shows here exactly once: from this list until the history
 * has it, then from the history.
 */
export function useRoomFeed(room: string, self: string) {
  const trpc = useTRPC();
  const [pages, setPages] = useState(1);
  // Live data: no refetch on a timer or on focus; events and resyncs refetch it. While a bigger
  // page loads, the smaller one stays on screen.
  const history = useQuery(trpc.room.history.queryOptions({ room, limit: PAGE_SIZE * pages }, { staleTime: Infinity, placeholderData: keepPreviousData }));
  const [own, setOwn] = useState<OwnPost[]>([]);

  const update = (key: string, change: Partial<OwnPost>) => setOwn((posts) => posts.map((post) => (post.key === key ? { ...post, ...change } : post)));
  const post = useMutation(
    trpc.room.post.mutationOptions({
      onMutate: ({ message }) => {
        const key = `own-${(nextKey += 1)}`;
        const draft: RoomMessagePayload = { id: key, from: self, message: message.trim(), sentAt: Date.now(), room };
        setOwn((posts) => [...posts, { key, message: draft, state: 'sending' }]);
        return { key };
      },
      onSuccess: (message, _variables, started) => update(started.key, { message, state: 'sent' }),
      onError: (error, _variables, started) => started && update(started.key, { state: 'failed', error }),
    }),
  );

  // Once the history has one of our posts, the list lets go of it (derived state, adjusted during
  // render): a post that later scrolls out of the bounded history must not come back from here.
  // @see https://react.dev/learn/you-might-not-need-an-effect#adjusting-some-state-when-a-prop-changes
  const [seen, setSeen] = useState(history.data);
  if (seen !== history.data) {
    setSeen(history.data);
    const arrived = new Set(history.data?.messages.map((message) => message.id));
    if (own.some((p) => p.state === 'sent' && arrived.has(p.message.id)))
      setOwn((posts) => posts.filter((p) => !(p.state === 'sent' && arrived.has(p.message.id))));
  }

  const server = dedupe(history.data?.messages ?? []);
  const known = new Set(server.map((message) => message.id));
  const confirmed = own.filter((p) => p.state === 'sent' && !known.has(p.message.id)).map((p) => ({ key: p.message.id, message: p.message }));
  const waiting = own
    .filter((p) => p.state !== 'sent')
    .map((p) => ({ key: p.key, message: p.message, pending: p.state as 'sending' | 'failed', error: p.error }));
  const items: FeedItem[] = [
    ...mergeBySentAt(
      server.map((message) => ({ key: message.id, message })),
      confirmed,
    ),
    ...waiting,
  ];

  return {
    items,
    history,
    send: (message: string) => post.mutate({ room, message }),
    retry: (key: string) => {
      const failed = own.find((p) => p.key === key);
      setOwn((posts) => posts.filter((p) => p.key !== key));
      if (failed) post.mutate({ room, message: failed.message.message });
    },
    discard: (key: string) => setOwn((posts) => posts.filter((p) => p.key !== key)),
    /** Whether the room keeps messages older than those shown. */
    hasEarlier: (history.data?.nextBefore ?? null) !== null,
    showEarlier: () => setPages((n) => n + 1),
    loadingEarlier: history.isPlaceholderData,
  };
}

function dedupe(messages: RoomMessagePayload[]): RoomMessagePayload[] {
  const seen = new Set<string>();
  return messages.filter((message) => !seen.has(message.id) && seen.add(message.id));
}

/** Both lists are in time order already; the result is too (server times on both sides). */
function mergeBySentAt(a: FeedItem[], b: FeedItem[]): FeedItem[] {
  if (b.length === 0) return a;
  const merged: FeedItem[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.message.sentAt <= b[j]!.message.sentAt)) merged.push(a[i++]!);
    else merged.push(b[j++]!);
  }
  return merged;
}
