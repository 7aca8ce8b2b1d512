'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { RoomMessagePayload } from '@/socket-gateway/events';
import { useRoomPresence, useSocketEvent } from '@/socket-gateway/react';
import { useTRPC } from '@/trpc/react';
import { FormError } from './form-error';
import { MessageItem } from './message-item';
import { useRecent } from './use-recent';

/** One joined room: its live feed (`room:message` events for this room), a post form, leave. */
export function RoomCard({ room, self, onLeft }: { room: string; self: string; onLeft: (data: { room: string }) => void }) {
  const trpc = useTRPC();
  const id = useId();
  const [message, setMessage] = useState('');
  const feed = useRecent<RoomMessagePayload>();
  useSocketEvent('room:message', (payload) => {
    if (payload.room === room) feed.add(payload);
  });

  const presence = useQuery(trpc.presence.room.queryOptions({ room }, { staleTime: 30_000, refetchInterval: 30_000 }));
  const members = useRoomPresence(room, presence.data?.members);
  const online = members.filter((member) => member.online).map((member) => member.userId);

  const post = useMutation(trpc.room.post.mutationOptions({ onSuccess: () => setMessage('') }));
  const leave = useMutation(trpc.room.leave.mutationOptions({ onSuccess: onLeft }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    post.mutate({ room, message });
  }

  const errorId = `${id}-error`;
  return (
    <article className="room" aria-label={`Room ${room}`} data-testid={`room-${room}`}>
      <header className="room__header">
        <h3 className="room__name">
          <span aria-hidden="true">#</span>
          {room}
        </h3>
        <button
          type="button"
          className="button button--ghost button--small"
          onClick={() => leave.mutate({ room })}
          disabled={leave.isPending}
          aria-label={`Leave ${room}`}
        >
          Leave
        </button>
      </header>
      <p className="presence" data-testid={`presence-${room}`} aria-label={`Online in ${room}`}>
        <span className="presence__dot" aria-hidden="true" />
        {online.length ? `Online: ${online.join(', ')}` : 'Nobody online'}
        {members.length > online.length && <span className="presence__away"> · {members.length - online.length} away</span>}
      </p>
      <FormError id={`${id}-leave-error`} error={leave.error} />
      {feed.items.length === 0 && <p className="empty empty--small">No messages since you opened this page.</p>}
      <ul className="message-list message-list--compact" aria-live="polite" aria-label={`Messages in ${room}`}>
        {feed.items.map((item) => (
          <MessageItem key={item.id} message={item} self={self} />
        ))}
      </ul>
      <form className="form form--inline" onSubmit={onSubmit} aria-describedby={post.error ? errorId : undefined}>
        <div className="field field--grow">
          <label htmlFor={`${id}-message`} className="visually-hidden">
            Message to {room}
          </label>
          <input
            id={`${id}-message`}
            name="message"
            placeholder={`Message #${room}`}
            autoComplete="off"
            value={message}
            onChange={(e) => setMessage(e.target.value)}
          />
        </div>
        <button className="button button--primary" type="submit" disabled={post.isPending}>
          Post
        </button>
      </form>
      <FormError id={errorId} error={post.error} />
    </article>
  );
}
