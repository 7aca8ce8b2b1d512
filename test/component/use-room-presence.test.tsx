/** @vitest-environment jsdom */
import './support/node-typed-arrays';
import { cleanup, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MemberPresence } from 'socket-gateway/react';
import { useRoomPresence } from '@/app/_components/socket';
import { startSocketServer, type TestServer } from '../helpers/socket-server';
import { renderWithSocket, StatusRecorder } from './support/socket-harness';

let server: TestServer;

beforeEach(async () => {
  // A short grace: "offline" is announced once the user has stayed offline that long (presence-announcer.ts).
  server = await startSocketServer({ presence: { graceMs: 100 } });
});

afterEach(async () => {
  cleanup();
  await server.stop();
});

function Members({ room, initial }: { room: string; initial: MemberPresence[] | undefined }) {
  const members = useRoomPresence(room, initial);
  return <p data-testid="members">{members.map((m) => `${m.userId}:${m.online ? 'on' : 'off'}`).join(' ') || 'none'}</p>;
}

describe('useRoomPresence', () => {
  it('starts from the query answer and follows presence:changed for its room only, from a real server', async () => {
    await server.stores.membership.join('alice', 'team', 50);
    await server.stores.membership.join('bob', 'team', 50);
    const initial = [
      { userId: 'alice', online: true },
      { userId: 'bob', online: false },
    ];
    const view = renderWithSocket(
      <>
        <StatusRecorder into={[]} />
        <Members room="team" initial={initial} />
      </>,
      { server },
    );
    await screen.findByText('connected');
    expect(screen.getByTestId('members').textContent).toBe('alice:on bob:off');

    const bob = await server.connectAs('bob'); // bob's first socket: the room hears it
    await screen.findByText('alice:on bob:on');
    bob.disconnect();
    await screen.findByText('alice:on bob:off');

    // A new answer (a refetch) replaces what the events built.
    view.rerenderWith(
      <>
        <StatusRecorder into={[]} />
        <Members room="team" initial={[{ userId: 'carol', online: true }]} />
      </>,
    );
    expect(screen.getByTestId('members').textContent).toBe('carol:on');
  });
});
