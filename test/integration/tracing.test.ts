/**
 * The tracing hook (issue 13): an emit caused by a tRPC call logs that call's request id and
 * procedure, so "which mutation sent this?" is one grep; an emit outside any call logs neither.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '@/server/trpc/root';
import { createLogger } from 'socket-gateway/advanced';
import { gateway } from '@/server/gateway';
import { startSocketServer, type TestServer } from '../helpers/socket-server';

const caller = (id: string) =>
  createCaller({ session: { user: { id, name: id, role: 'user' }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() } });

let server: TestServer | undefined;
const lines: Array<Record<string, unknown>> = [];
beforeAll(async () => {
  // The gateway's injected logger: the emits of tRPC procedures (getLogger() in code Next bundles) log through it.
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  server = await startSocketServer({ logger });
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => void lines.splice(0));

describe('tracing hook', () => {
  it('logs each emit with the id and procedure of the tRPC call that caused it', async () => {
    await caller('alice').notification.send({ toUserId: 'bob', message: 'traced' });
    await caller('alice').notification.send({ toUserId: 'carol', message: 'traced too' });
    const emits = lines.filter((line) => line.event === 'emit');
    expect(emits).toHaveLength(2);
    for (const emit of emits)
      expect(emit).toMatchObject({ name: 'notification', target: 'user', procedure: 'notification.send', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(emits[0]!.requestId).not.toBe(emits[1]!.requestId);
    expect(JSON.stringify(emits)).not.toContain('traced'); // no payload in the log
  });

  it('logs an emit outside any call without a request id', async () => {
    await gateway.broadcast('announcement', { id: 'a', from: 'server', message: 'x', sentAt: Date.now() });
    const emits = lines.filter((line) => line.event === 'emit');
    expect(emits).toHaveLength(1);
    expect(emits[0]).not.toHaveProperty('requestId');
  });
});
