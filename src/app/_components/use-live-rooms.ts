'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useSocketEvent } from './socket';
import { useTRPC } from '@/trpc/react';

/**
 * This user's room list (`room.mine`), kept live across tabs: a room joined or left anywhere
 * (another tab, a server-side `enterRoom` / `exitRoom`) arrives as `membership:changed` on every
 * tab, which shows or drops it at once, then refetches the list (the server's answer wins over
 * a fetch that was already under way when the change happened). A joined room's history is
 * refetched too: one cached from an earlier membership is not kept fresh while not a member.
 *
 * @returns `update`, for this tab's own join / leave answers (which change the list the same way).
 */
export function useLiveRooms() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = (change: (rooms: string[]) => string[]) => queryClient.setQueryData(trpc.room.mine.queryKey(), (old) => ({ rooms: change(old?.rooms ?? []) }));

  useSocketEvent('membership:changed', ({ room, member }) => {
    update((rooms) => (member ? [...new Set([...rooms, room])].sort() : rooms.filter((name) => name !== room)));
    queryClient.invalidateQueries(trpc.room.mine.pathFilter()).catch(() => undefined);
    if (member) queryClient.invalidateQueries(trpc.room.history.queryFilter({ room })).catch(() => undefined);
  });

  return { update };
}
