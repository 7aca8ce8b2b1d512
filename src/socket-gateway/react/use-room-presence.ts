'use client';

import { useState } from 'react';
import { PRESENCE_EVENT, type PresenceChange } from '../event-map';
import { useSocketEvent } from './use-socket-event';

export interface MemberPresence {
  userId: string;
  online: boolean;
}

/**
 * Who of a room's members is online, kept live: `initial` is the first answer of a query (the
 * app's presence query), and every `presence:changed` event for `room` updates it. When
 * `initial` changes (a refetch, a resync), it starts over from the new answer.
 */
export function useRoomPresence(room: string, initial: readonly MemberPresence[] | undefined): MemberPresence[] {
  const [state, setState] = useState<{ from: readonly MemberPresence[] | undefined; members: MemberPresence[] }>({
    from: initial,
    members: [...(initial ?? [])],
  });
  // A new answer replaces what the events built (derived state, set during render as React recommends).
  // @see https://react.dev/learn/you-might-not-need-an-effect#adjusting-some-state-when-a-prop-changes
  let current = state;
  if (state.from !== initial) {
    current = { from: initial, members: [...(initial ?? [])] };
    setState(current);
  }
  useSocketEvent(PRESENCE_EVENT, (change: PresenceChange) => {
    if (change.room !== room) return;
    setState((previous) => {
      const others = previous.members.filter((member) => member.userId !== change.userId);
      const members = [...others, { userId: change.userId, online: change.online }].sort((a, b) => (a.userId < b.userId ? -1 : 1));
      return { ...previous, members };
    });
  });
  return current.members;
}
