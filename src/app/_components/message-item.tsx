import type { MessagePayload } from '@/socket-gateway/events';
import { formatTime } from './format-time';

/** One received message: who, when, what. */
export function MessageItem({ message, self }: { message: MessagePayload; self?: string }) {
  const mine = message.from === self;
  return (
    <li className={`message${mine ? ' message--mine' : ''}`}>
      <span className="avatar avatar--small" aria-hidden="true">
        {message.from.slice(0, 1).toUpperCase()}
      </span>
      <div className="message__body">
        <div className="message__meta">
          <span className="message__from">{mine ? 'You' : message.from}</span>
          <time dateTime={new Date(message.sentAt).toISOString()}>{formatTime(message.sentAt)}</time>
        </div>
        <p className="message__text">{message.message}</p>
      </div>
    </li>
  );
}
