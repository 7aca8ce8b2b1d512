/** @vitest-environment jsdom */
import './support/node-typed-arrays';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { MessagePayload, RoomMessagePayload } from '@/events';
import { type GatewayClientSocket } from 'socket-gateway/react';
import { useSocketEvent } from '@/app/_components/socket';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import { renderWithSocket, SocketProbe, StatusRecorder } from './support/socket-harness';

let server: TestServer;

beforeEach(async () => {
  server = await startSocketServer({ register: false });
});

afterEach(async () => {
  cleanup();
  await server.stop();
});

const note = (message: string): MessagePayload => ({ id: `n-${message}`, from: 'bob', message, sentAt: 1_700_000_000_000 });

/** Pushes an event to alice through the server, the way the gateway does. */
function pushToAlice(message: string) {
  server.io.to('user:alice').emit('notification', note(message));
}

async function connected() {
  await screen.findByText('connected');
}

function Notifications({ onNote, enabled }: { onNote: (payload: MessagePayload) => void; enabled?: boolean }) {
  useSocketEvent('notification', onNote, { enabled });
  return null;
}

describe('useSocketEvent', () => {
  it('delivers typed payloads: the handler argument follows the event name', async () => {
    const notes: MessagePayload[] = [];
    const roomMessages: RoomMessagePayload[] = [];
    function Both() {
      useSocketEvent('notification', (payload) => {
        expectTypeOf(payload).toEqualTypeOf<MessagePayload>();
        notes.push(payload);
      });
      useSocketEvent('room:message', (payload) => {
        expectTypeOf(payload).toEqualTypeOf<RoomMessagePayload>();
        roomMessages.push(payload);
      });
      // @ts-expect-error: not an event of the contract
      useSocketEvent('notifications', () => undefined);
      // @ts-expect-error: a notification has no `room`
      useSocketEvent('notification', (payload: RoomMessagePayload) => payload);
      return null;
    }
    renderWithSocket(
      <>
        <StatusRecorder into={[]} />
        <Both />
      </>,
      { server },
    );
    await connected();
    server.io.in('user:alice').socketsJoin('lobby');

    pushToAlice('hello');
    server.io.to('lobby').emit('room:message', { ...note('in the lobby'), room: 'lobby' });
    await waitFor(() => expect(roomMessages).toHaveLength(1));
    expect(notes).toEqual([note('hello')]);
    expect(roomMessages).toEqual([{ ...note('in the lobby'), room: 'lobby' }]);
  });

  it('subscribes once: a new handler on every render does not resubscribe, and the latest one is called', async () => {
    let socket: GatewayClientSocket | undefined;
    const calls: string[] = [];
    const view = renderWithSocket(
      <>
        <StatusRecorder into={[]} />
        <SocketProbe onSocket={(s) => (socket = s)} />
        <Notifications onNote={(p) => calls.push(`first:${p.message}`)} />
      </>,
      { server },
    );
    await connected();
    const on = vi.spyOn(socket!, 'on');
    const off = vi.spyOn(socket!, 'off');

    for (const name of ['second', 'third']) {
      view.rerenderWith(
        <>
          <StatusRecorder into={[]} />
          <SocketProbe onSocket={(s) => (socket = s)} />
          <Notifications onNote={(p) => calls.push(`${name}:${p.message}`)} />
        </>,
      );
    }
    expect(on).not.toHaveBeenCalled();
    expect(off).not.toHaveBeenCalled();
    expect(socket!.listeners('notification')).toHaveLength(1);

    pushToAlice('hi');
    await waitFor(() => expect(calls).toEqual(['third:hi']));
  });

  it('removes only its own listener on unmount', async () => {
    let socket: GatewayClientSocket | undefined;
    const seen: string[] = [];
    const outside = vi.fn();
    function Toggle() {
      const [showA, setShowA] = useState(true);
      return (
        <>
          <button onClick={() => setShowA(false)}>hide A</button>
          {showA && <Notifications onNote={(p) => seen.push(`A:${p.message}`)} />}
          <Notifications onNote={(p) => seen.push(`B:${p.message}`)} />
        </>
      );
    }
    renderWithSocket(
      <>
        <StatusRecorder into={[]} />
        <SocketProbe onSocket={(s) => (socket = s)} />
        <Toggle />
      </>,
      { server },
    );
    await connected();
    socket!.on('notification', outside); // a listener that is not a hook's
    pushToAlice('one');
    await waitFor(() => expect(seen.sort()).toEqual(['A:one', 'B:one']));

    act(() => screen.getByText('hide A').click());
    expect(socket!.listeners('notification')).toHaveLength(2);
    pushToAlice('two');
    await waitFor(() => expect(seen).toContain('B:two'));
    await settle();
    expect(seen).not.toContain('A:two');
    expect(outside).toHaveBeenCalledTimes(2);
  });

  it('listens only while enabled', async () => {
    let socket: GatewayClientSocket | undefined;
    const seen: string[] = [];
    const ui = (enabled: boolean) => (
      <>
        <StatusRecorder into={[]} />
        <SocketProbe onSocket={(s) => (socket = s)} />
        <Notifications enabled={enabled} onNote={(p) => seen.push(p.message)} />
      </>
    );
    const view = renderWithSocket(ui(false), { server });
    await connected();
    expect(socket!.listeners('notification')).toHaveLength(0);
    pushToAlice('ignored');
    await settle();

    view.rerenderWith(ui(true));
    pushToAlice('heard');
    await waitFor(() => expect(seen).toEqual(['heard']));

    view.rerenderWith(ui(false));
    expect(socket!.listeners('notification')).toHaveLength(0);
  });

  it('keeps listening across a reconnect', async () => {
    const seen: string[] = [];
    renderWithSocket(
      <>
        <StatusRecorder into={[]} />
        <Notifications onNote={(p) => seen.push(p.message)} />
      </>,
      { server },
    );
    await connected();
    for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
    await screen.findByText('reconnecting');
    await screen.findByText('connected', undefined, { timeout: 10_000 });
    pushToAlice('after');
    await waitFor(() => expect(seen).toEqual(['after']));
  });

  it('says what is missing when used outside a SocketProvider', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => render(<Notifications onNote={() => undefined} />)).toThrow('useSocketEvent must be used inside <SocketProvider>');
    spy.mockRestore();
  });
});
