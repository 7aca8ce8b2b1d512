'use client';

import { useSocket, useSocketStatus } from './socket';
import { describeConnectionError } from './connection-message';

/** Under the header while the tab is not live and knows why: the reason in a sentence, and what to do. */
export function ConnectionNotice() {
  const { status, error } = useSocketStatus();
  const socket = useSocket();
  if (status === 'connected' || error === null) return null;
  const { text, action } = describeConnectionError(error, status);
  return (
    <div className={`notice notice--${status === 'disconnected' ? 'error' : 'warning'}`} role="alert" data-testid="connection-notice">
      <p className="notice__inner">
        <span>{text}</span>
        {action === 'retry' && socket && (
          <button type="button" className="button button--small button--ghost" onClick={() => socket.connect()}>
            Try again
          </button>
        )}
        {action === 'sign-in' && (
          <a className="button button--small button--ghost" href="/signin">
            Sign in
          </a>
        )}
      </p>
    </div>
  );
}
