'use client';

import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTRPC } from '@/trpc/react';
import { FormError } from './form-error';

/** Admins only: an `announcement` to every signed-in user (tRPC `announcement.broadcast`). */
export function BroadcastForm() {
  const trpc = useTRPC();
  const id = useId();
  const [message, setMessage] = useState('');
  const [sent, setSent] = useState(false);
  const broadcast = useMutation(
    trpc.announcement.broadcast.mutationOptions({
      onSuccess: () => {
        setSent(true);
        setMessage('');
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSent(false);
    broadcast.mutate({ message });
  }

  const errorId = `${id}-error`;
  return (
    <section className="card card--admin" aria-labelledby={`${id}-title`}>
      <div className="card__header">
        <h2 id={`${id}-title`} className="card__title">
          Broadcast an announcement
        </h2>
        <span className="role role--admin">admin</span>
      </div>
      <form className="form" onSubmit={onSubmit} aria-describedby={broadcast.error ? errorId : undefined} data-testid="broadcast-form">
        <div className="field">
          <label htmlFor={`${id}-message`}>Announcement</label>
          <textarea id={`${id}-message`} name="message" rows={2} value={message} onChange={(e) => setMessage(e.target.value)} />
        </div>
        <FormError id={errorId} error={broadcast.error} />
        <div className="form__actions">
          {sent && (
            <span className="form-success" role="status">
              Sent to everyone online.
            </span>
          )}
          <button className="button button--primary" type="submit" disabled={broadcast.isPending}>
            {broadcast.isPending ? 'Broadcasting…' : 'Broadcast'}
          </button>
        </div>
      </form>
    </section>
  );
}
