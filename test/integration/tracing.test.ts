/**
 * The tracing hook (issue 13): an emit caused by a tRPC call logs that call's request id and
 * procedure, so "which mutation sent this?" is one grep; an emit outside any call logs neither.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '@/server/trpc/root';
import { processSlot } from '@/socket-gateway/process-holder';
import { createLogger, type Logger } from '@/socket-gateway';
import { gateway } from '@/server/gateway';
import { startSocketServer, type TestServer } from '../helpers/socket-server';

// The process's logger slot (getLogger reads it): replaced by a capturing logger, then restored.
const loggerSlot = processSlot<Logger>('logger');
const caller = (id: string) =>
  createCaller({ session: { user: { id, name: id, role: 'user' }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() } });

let server: TestServer | undefined;
let previous: Logger | undefined;
const lines: Array<Record<string, unknown>> = [];
beforeAll(async () => {
  previous = loggerSlot.get();
  loggerSlot.set(createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } }));
  server = await startSocketServer();
});
afterAll(async () => {
  await server?.stop();
  if (previous) loggerSlot.set(previous);
  else loggerSlot.clear();
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
