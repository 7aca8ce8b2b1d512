/**
 * What the live connection's last error means for the person looking at the page, in a
 * sentence, instead of the transport's words ("xhr poll error", "websocket error", "Failed to fetch").
 */
export interface ConnectionMessage {
  text: string;
  /** What the notice offers: sign in again, or try to connect again now. Nothing: it retries by itself. */
  action?: 'sign-in' | 'retry';
}

const TOO_MANY = /^Too many connections: at most (\d+) per user/;
const UNREACHABLE = /^(xhr poll error|xhr post error|websocket error|timeout|transport (close|error)|Failed to fetch|Load failed|NetworkError.*)$/i;

export function describeConnectionError(error: string, status: 'connecting' | 'connected' | 'reconnecting' | 'disconnected'): ConnectionMessage {
  const tooMany = TOO_MANY.exec(error);
  if (tooMany) {
    return {
      text: `This tab is not live: your account already has ${tooMany[1]} tabs open with live updates, the most it can have. Close one of them, then try again.`,
      action: 'retry',
    };
  }
  if (error === 'Unauthorized' || error.startsWith('Could not get a socket token:')) {
    return { text: 'Your session has ended, so this tab no longer gets live updates. Sign in again.', action: 'sign-in' };
  }
  if (error === 'Server is shutting down') return { text: 'The server is restarting. Live updates resume in a moment.' };
  if (error === 'Origin not allowed') return { text: 'Live updates are not allowed from this address. Open the app from its usual address.' };
  const retrying = status !== 'disconnected';
  if (UNREACHABLE.test(error) || error.startsWith('Could not get a socket token, retrying')) {
    return retrying
      ? { text: "Can't reach the server. Live updates resume by themselves as soon as it is back." }
      : { text: "Can't reach the server, so this tab is not live.", action: 'retry' };
  }
  if (/temporarily unavailable/i.test(error)) return { text: 'The server is busy. Live updates resume by themselves in a moment.' };
  return retrying ? { text: `Live updates are paused (${error}). Reconnecting…` } : { text: `This tab is not live (${error}).`, action: 'retry' };
}
