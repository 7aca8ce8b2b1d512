'use client';

import { useSocketStatus, type SocketStatus } from '@/socket-gateway/react';

const LABELS: Record<SocketStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

/** The live connection's state, with the last error (e.g. Unauthorized) when there is one. */
export function ConnectionBadge() {
  const { status, error } = useSocketStatus();
  const showError = error !== null && status !== 'connected';
  return (
    <span className={`badge badge--${status}`} role="status" data-testid="connection-badge" data-status={status} title={error ?? undefined}>
      <span className="badge__dot" aria-hidden="true" />
      {LABELS[status]}
      {showError && <span className="badge__error">· {error}</span>}
    </span>
  );
}
