/** The demo's sentences for what went wrong, instead of the transport's words. */
import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { describeConnectionError } from '@/app/_components/connection-message';
import { trpcErrorMessage, UNREACHABLE_MESSAGE } from '@/trpc/errors';

describe('describeConnectionError', () => {
  it('says why the tab past the per-user cap is not live, and offers to try again', () => {
    const { text, action } = describeConnectionError('Too many connections: at most 10 per user', 'disconnected');
    expect(text).toBe(
      'This tab is not live: your account already has 10 tabs open with live updates, the most it can have. Close one of them, then try again.',
    );
    expect(action).toBe('retry');
  });

  it.each(['xhr poll error', 'websocket error', 'timeout', 'Could not get a socket token, retrying: Failed to fetch'])(
    '%s while reconnecting: the server cannot be reached, nothing to do',
    (error) => {
      expect(describeConnectionError(error, 'reconnecting')).toEqual({
        text: "Can't reach the server. Live updates resume by themselves as soon as it is back.",
      });
    },
  );

  it('a refused or missing session asks to sign in again', () => {
    for (const error of ['Unauthorized', 'Could not get a socket token: Sign in first']) {
      expect(describeConnectionError(error, 'disconnected')).toMatchObject({ action: 'sign-in', text: expect.stringContaining('Sign in again') });
    }
  });

  it('anything else is still a sentence, with the detail in brackets', () => {
    expect(describeConnectionError('Something odd', 'disconnected')).toEqual({ text: 'This tab is not live (Something odd).', action: 'retry' });
    expect(describeConnectionError('Server is shutting down', 'reconnecting').text).toBe('The server is restarting. Live updates resume in a moment.');
  });
});

describe('trpcErrorMessage', () => {
  it('turns a request that never got an answer into a sentence', () => {
    const failed = new TRPCClientError('Failed to fetch', { cause: new TypeError('Failed to fetch') });
    expect(trpcErrorMessage(failed)).toBe(UNREACHABLE_MESSAGE);
    expect(trpcErrorMessage(new TypeError('Load failed'))).toBe(UNREACHABLE_MESSAGE);
  });

  it("keeps the server's own message for errors it explains (rate limits, room rules)", () => {
    const limited = new TRPCClientError('Too many messages: try again in 2 s', {
      result: { error: { message: 'Too many messages: try again in 2 s', code: -32029, data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } } },
    });
    expect(trpcErrorMessage(limited)).toBe('Too many messages: try again in 2 s');
  });
});

describe('"to others" header', () => {
  it('the browser sends it under the name the server reads', async () => {
    const server = await import('@/socket-gateway/event-map');
    const browser = await import('@/socket-gateway/react/socket-store');
    expect(browser.SOCKET_ID_HEADER).toBe(server.SOCKET_ID_HEADER);
  });
});
