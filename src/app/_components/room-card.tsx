'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import { useRoomPresence } from './socket';
import { trpcErrorMessage } from '@/trpc/errors';
import { useTRPC } from '@/trpc/react';
import { FormError } from './form-error';
import { MessageItem } from './message-item';
import { useRoomFeed } from './use-room-feed';

/** One joined room: who is online, its conversation (history, then live), a post form, leave. */
export function RoomCard({ room, self, onLeft }: { room: string; self: string; onLeft: (data: { room: string }) => void }) {
  const trpc = useTRPC();
  const id = useId();
  const [message, setMessage] = useState('');
  const feed = useRoomFeed(room, self);
  // Oldest first, like a chat: a new message at the bottom scrolls the list down to it
  // (earlier messages put on top by "Show earlier" leave the scroll position alone).
  const list = useRef<HTMLUListElement>(null);
  const lastKey = feed.items.at(-1)?.key;
  useLayoutEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [lastKey]);

  const presence = useQuery(trpc.presence.room.queryOptions({ room }, { staleTime: 30_000, refetchInterval: 30_000 }));
  const members = useRoomPresence(room, presence.data?.members);
  const online = members.filter((member) => member.online).map((member) => member.userId);

  const leave = useMutation(trpc.room.leave.mutationOptions({ onSuccess: onLeft }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!message.trim()) return;
    feed.send(message);
    setMessage(''); // shown in the list at once; a failure is shown there, with Retry
  }

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
      {(feed.hasEarlier || feed.loadingEarlier) && (
        <button type="button" className="button button--link" onClick={feed.showEarlier} disabled={feed.loadingEarlier}>
          {feed.loadingEarlier ? 'Loading earlier messages…' : 'Show earlier messages'}
        </button>
      )}
      {feed.history.isPending && <p className="empty empty--small">Loading messages…</p>}
      <FormError id={`${id}-history-error`} error={feed.history.error} />
      {feed.history.isSuccess && feed.items.length === 0 && <p className="empty empty--small">No messages yet. Say hello!</p>}
      <ul ref={list} className="message-list message-list--compact" aria-live="polite" aria-label={`Messages in ${room}`} data-testid={`messages-${room}`}>
        {feed.items.map((item) => (
          <MessageItem key={item.key} message={item.message} self={self} pending={item.pending}>
            {item.pending === 'failed' && (
              <span className="message__failure" role="alert">
                Not sent: {trpcErrorMessage(item.error)}{' '}
                <button type="button" className="button button--link" onClick={() => feed.retry(item.key)}>
                  Retry
                </button>{' '}
                <button type="button" className="button button--link" onClick={() => feed.discard(item.key)}>
                  Discard
                </button>
              </span>
            )}
          </MessageItem>
        ))}
      </ul>
      <form className="form form--inline" onSubmit={onSubmit}>
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
        <button className="button button--primary" type="submit" disabled={!message.trim()}>
          Post
        </button>
      </form>
    </article>
  );
}
