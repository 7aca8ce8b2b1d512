'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTRPC } from '@/trpc/react';
import { FormError } from './form-error';

/** Sends a `notification` to another user through tRPC `notification.send`. */
export function SendNotificationForm({ people, self }: { people: string[]; self: string }) {
  const trpc = useTRPC();
  const id = useId();
  const [toUserId, setToUserId] = useState('');
  const [message, setMessage] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const send = useMutation(
    trpc.notification.send.mutationOptions({
      onSuccess: (_data, variables) => {
        setSentTo(variables.toUserId);
        setMessage('');
      },
    }),
  );

  const recipient = toUserId.trim();
  const presence = useQuery(trpc.presence.user.queryOptions({ userId: recipient }, { enabled: recipient.length > 0, staleTime: 5_000 }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSentTo(null);
    send.mutate({ toUserId: toUserId.trim(), message });
  }

  const errorId = `${id}-error`;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card__title">
        Send a notification
      </h2>
      <form className="form" onSubmit={onSubmit} aria-describedby={send.error ? errorId : undefined} data-testid="notify-form">
        <div className="field">
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            name="toUserId"
            list={`${id}-people`}
            placeholder="username"
            autoComplete="off"
            value={toUserId}
            onChange={(e) => setToUserId(e.target.value)}
          />
          {recipient && presence.data?.userId === recipient && (
            <span className={`recipient-state ${presence.data.online ? 'recipient-state--online' : ''}`} data-testid="recipient-state">
              {presence.data.online ? `${recipient} is online now` : `${recipient} is offline: they will see it when they are back`}
            </span>
          )}
          <datalist id={`${id}-people`}>
            {people
              .filter((person) => person !== self)
              .map((person) => (
                <option key={person} value={person} />
              ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor={`${id}-message`}>Message</label>
          <textarea id={`${id}-message`} name="message" rows={2} value={message} onChange={(e) => setMessage(e.target.value)} />
        </div>
        <FormError id={errorId} error={send.error} />
        <div className="form__actions">
          {sentTo && (
            <span className="form-success" role="status">
              Sent to {sentTo}.
            </span>
          )}
          <button className="button button--primary" type="submit" disabled={send.isPending}>
            {send.isPending ? 'Sending…' : 'Send'}
          </button>
        </div>
      </form>
    </section>
  );
}
