'use client';

import type { MessagePayload } from '@/events';
import { useSocketEvent } from './socket';
import { MessageItem } from './message-item';
import { useRecent } from './use-recent';

/** Notifications sent to this user, newest first, as they arrive (every tab gets them). */
export function Inbox() {
  const { items, add, clear } = useRecent<MessagePayload>();
  useSocketEvent('notification', add);

  return (
    <section className="card" aria-labelledby="inbox-title">
      <div className="card__header">
        <h2 id="inbox-title" className="card__title">
          Inbox {items.length > 0 && <span className="count">{items.length}</span>}
        </h2>
        {items.length > 0 && (
          <button type="button" className="button button--ghost button--small" onClick={clear}>
            Clear
          </button>
        )}
      </div>
      {items.length === 0 && <p className="empty">No notifications yet. They appear here the moment someone sends one.</p>}
      <ul className="message-list" aria-live="polite" aria-label="Notifications" data-testid="inbox">
        {items.map((item) => (
          <MessageItem key={item.id} message={item} />
        ))}
      </ul>
    </section>
  );
}
