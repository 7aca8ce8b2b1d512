import type { ReactNode } from 'react';
import type { MessagePayload } from '@/events';
import { formatTime } from './format-time';

/** One message: who, when, what. `pending`: one of this tab's own posts the server has not confirmed yet. */
export function MessageItem({
  message,
  self,
  pending,
  children,
}: {
  message: MessagePayload;
  self?: string;
  pending?: 'sending' | 'failed';
  children?: ReactNode;
}) {
  const mine = message.from === self;
  const className = ['message', mine && 'message--mine', pending && `message--${pending}`].filter(Boolean).join(' ');
  return (
    <li className={className} aria-busy={pending === 'sending' || undefined}>
      <span className="avatar avatar--small" aria-hidden="true">
        {message.from.slice(0, 1).toUpperCase()}
      </span>
      <div className="message__body">
        <div className="message__meta">
          <span className="message__from">{mine ? 'You' : message.from}</span>
          {pending === 'sending' ? (
            <span className="message__state">Sending…</span>
          ) : (
            <time dateTime={new Date(message.sentAt).toISOString()}>{formatTime(message.sentAt)}</time>
          )}
        </div>
        <p className="message__text">{message.message}</p>
        {children}
      </div>
    </li>
  );
}
