/**
 * Shared scene for the abuse suites (one-way, flood limit): raw wire-protocol clients that
 * misbehave, and the check that the server still serves everyone else.
 */
import { afterEach, expect } from 'vitest';
import { gateway } from '@/server/gateway';
import type { MessagePayload } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';
import { connectRaw, type RawClient } from './raw-client';
import { nextEvent, type TestClient, type TestServer } from './socket-server';

export const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: Date.now() });

/** The suite's server (set it in each test) and raw clients, all closed after each test. */
export function useAbuseScene() {
  const scene: { server: TestServer | undefined; raws: RawClient[] } = { server: undefined, raws: [] };
  afterEach(async () => {
    for (const raw of scene.raws.splice(0)) raw.close();
    await scene.server?.stop();
    scene.server = undefined;
  });
  return {
    scene,
    async rawAs(srv: TestServer, userId: string): Promise<RawClient> {
      const raw = await connectRaw(srv.url, { token: (await mintSocketToken(userId)).token });
      scene.raws.push(raw);
      return raw;
    },
  };
}

/** The server still serves: the bystander receives, and a brand-new client connects and receives. */
export async function expectServerHealthy(srv: TestServer, bystander: TestClient, label: string): Promise<void> {
  const received = nextEvent(bystander, 'notification');
  await gateway.emitToUser('bob', 'notification', message(`after ${label}`));
  expect((await received).message).toBe(`after ${label}`);
  const fresh = await srv.connectAs('carol');
  const freshReceived = nextEvent(fresh, 'notification');
  await gateway.emitToUser('carol', 'notification', message(`fresh after ${label}`));
  expect((await freshReceived).message).toBe(`fresh after ${label}`);
  fresh.disconnect();
}

/** Frames the raw client received that are Socket.IO packets for the app (not the open/connect handshake). */
export const appFrames = (raw: RawClient) =>
  raw.messages.filter((frame) => !frame.startsWith('0{') && !frame.startsWith('40') && !frame.startsWith('42["gateway:sync"'));
