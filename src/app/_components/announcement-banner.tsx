'use client';

import { useState } from 'react';
import type { MessagePayload } from '@/events';
import { useSocketEvent } from './socket';
import { formatTime } from './format-time';

/** The latest announcement, live for every signed-in user, until dismissed. */
export function AnnouncementBanner() {
  const [latest, setLatest] = useState<MessagePayload | null>(null);
  useSocketEvent('announcement', setLatest);
  if (!latest) return null;
  return (
    <div className="announcement" role="region" aria-label="Announcement" aria-live="polite" data-testid="announcement">
      <div className="announcement__inner">
        <span className="announcement__tag">Announcement</span>
        <p className="announcement__text">{latest.message}</p>
        <span className="announcement__meta">
          {latest.from} · {formatTime(latest.sentAt)}
        </span>
        <button type="button" className="announcement__close" aria-label="Dismiss announcement" onClick={() => setLatest(null)}>
          ×
        </button>
      </div>
    </div>
  );
}
