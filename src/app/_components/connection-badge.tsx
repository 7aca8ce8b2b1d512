'use client';

import type { SocketStatus } from 'socket-gateway/react';
import { useSocketStatus } from './socket';

const LABELS: Record<SocketStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

/** The live connection's state in a word; why it is not live is said under the header (ConnectionNotice). */
export function ConnectionBadge() {
  const { status } = useSocketStatus();
  return (
    <span className={`badge badge--${status}`} role="status" data-testid="connection-badge" data-status={status}>
      <span className="badge__dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
