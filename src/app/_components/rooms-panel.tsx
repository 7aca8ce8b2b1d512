'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useInvalidateOnEvent, useInvalidateOnResync } from './socket';
import { useTRPC } from '@/trpc/react';
import { FormError } from './form-error';
import { RoomCard } from './room-card';
import { useLiveRooms } from './use-live-rooms';

/** Join rooms by name; each joined room gets a live feed, a post form and a leave button. */
export function RoomsPanel({ self }: { self: string }) {
  const trpc = useTRPC();
  const id = useId();
  const [room, setRoom] = useState('');
  // Live: `membership:changed` shows a room joined or left in another tab (or server-side) here.
  const mine = useQuery(trpc.room.mine.queryOptions(undefined, { staleTime: 0 }));
  const { update: updateRooms } = useLiveRooms();
  // Live data: a room's history refetches when one of its messages arrives (every card at once,
  // from one listener); histories, who is online and the room list refetch when events may have
  // been missed (this tab's first connection, a resync after a long time away).
  useInvalidateOnEvent('room:message', (message) => trpc.room.history.queryFilter({ room: message.room }));
  useInvalidateOnResync([trpc.room.history.pathFilter(), trpc.presence.room.pathFilter(), trpc.room.mine.pathFilter()]);
  // join / leave answer with the room and the new count; the cached list is updated in place.
  const join = useMutation(
    trpc.room.join.mutationOptions({
      onSuccess: ({ room: joined }) => {
        updateRooms((rooms) => [...new Set([...rooms, joined])].sort());
        setRoom('');
      },
    }),
  );
  const onLeft = ({ room: left }: { room: string }) => updateRooms((rooms) => rooms.filter((name) => name !== left));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    join.mutate({ room: room.trim() });
  }

  const rooms = mine.data?.rooms ?? [];
  const errorId = `${id}-error`;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card__title">
        Rooms
      </h2>
      <div className="join" data-testid="join-form">
        <form className="form form--inline" onSubmit={onSubmit} aria-describedby={join.error ? errorId : undefined}>
          <div className="field field--grow">
            <label htmlFor={`${id}-room`}>Room name</label>
            <input id={`${id}-room`} name="room" placeholder="e.g. design-team" autoComplete="off" value={room} onChange={(e) => setRoom(e.target.value)} />
          </div>
          <button className="button button--primary" type="submit" disabled={join.isPending}>
            {join.isPending ? 'Joining…' : 'Join'}
          </button>
        </form>
        <FormError id={errorId} error={join.error} />
      </div>

      {mine.isPending && <p className="empty">Loading your rooms…</p>}
      <FormError id={`${id}-load-error`} error={mine.error} />
      {mine.isSuccess && rooms.length === 0 && <p className="empty">You are not in any room yet. Join one to see its messages live.</p>}
      <div className="room-grid">
        {rooms.map((name) => (
          <RoomCard key={name} room={name} self={self} onLeft={onLeft} />
        ))}
      </div>
    </section>
  );
}
