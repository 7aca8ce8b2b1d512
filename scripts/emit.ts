/**
 * Push an event from a shell, through the same emitter a worker uses:
 *
 *   npm run emit -- <event> (--to-user <id> | --to-room <room> | --all) --data '<json>'
 *
 * Reads REDIS_URL (and REDIS_KEY_PREFIX, EVENT_MAX_BYTES) from the environment or the .env files.
 * Exits 1 with the reason when the arguments or the payload do not match the event's schema, the
 * payload is over EVENT_MAX_BYTES or names another room than --to-room (event-bounds.ts), and 0
 * once the event is accepted (appended to the event log every node delivers from).
 */
import { parseArgs } from 'node:util';
import nextEnv from '@next/env';
import { APP_EVENT_NAMES, events, isAppEventName } from '../src/events';
import { validateEventPayload } from 'socket-gateway/advanced';
import { createGatewayEmitter } from 'socket-gateway/emitter';
import { assertEventBounds, DEFAULT_MAX_EVENT_BYTES } from 'socket-gateway/advanced';
import type { EventAddress } from 'socket-gateway/advanced';
import { roomNameError } from 'socket-gateway';

const USAGE = `usage: npm run emit -- <event> (--to-user <id> | --to-room <room> | --all) --data '<json>'
events: ${APP_EVENT_NAMES.join(', ')}
example: npm run emit -- notification --to-user bob --data '{"id":"1","from":"cron","message":"Backup done","sentAt":${Date.now()}}'`;

function fail(reason: string): never {
  console.error(`emit: ${reason}\n${USAGE}`);
  process.exit(1);
}

async function main(): Promise<void> {
  nextEnv.loadEnvConfig(process.cwd(), process.env.NODE_ENV !== 'production', { info: () => {}, error: console.error });
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        'to-user': { type: 'string' },
        'to-room': { type: 'string' },
        all: { type: 'boolean' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) fail('give exactly one event name');
  const event = positionals[0];
  if (!isAppEventName(event)) fail(`unknown event ${JSON.stringify(event)}`);
  const targets = [values['to-user'] !== undefined, values['to-room'] !== undefined, values.all === true].filter(Boolean).length;
  if (targets !== 1) fail('give exactly one of --to-user, --to-room, --all');
  if (values['to-user'] !== undefined && values['to-user'].length === 0) fail('--to-user needs a user id');
  if (values['to-room'] !== undefined) {
    const problem = roomNameError(values['to-room']);
    if (problem) fail(`--to-room: ${problem}`);
  }
  if (values.data === undefined) fail('--data is required');
  let data: unknown;
  try {
    data = JSON.parse(values.data);
  } catch (error) {
    fail(`--data is not JSON: ${(error as Error).message}`);
  }
  const maxEventBytes = process.env.EVENT_MAX_BYTES ? Number(process.env.EVENT_MAX_BYTES) : DEFAULT_MAX_EVENT_BYTES;
  if (!Number.isSafeInteger(maxEventBytes) || maxEventBytes < 1) fail(`EVENT_MAX_BYTES must be a whole number of bytes, got ${process.env.EVENT_MAX_BYTES}`);
  const to: EventAddress =
    values['to-user'] !== undefined
      ? { kind: 'user', userId: values['to-user'] }
      : values['to-room'] !== undefined
        ? { kind: 'room', room: values['to-room'] }
        : { kind: 'all' };
  try {
    await validateEventPayload(events, event, data);
    assertEventBounds(to, event, data, maxEventBytes); // before connecting: the same check the emitter makes
  } catch (error) {
    fail((error as Error).message);
  }
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) fail('REDIS_URL is not set: the emitter pushes through the Redis every server node uses');

  const emitter = await createGatewayEmitter({ events, redisUrl, keyPrefix: process.env.REDIS_KEY_PREFIX || 'sg:', maxEventBytes });
  try {
    // Checked against its schema above: the emitter checks it again (validatePayloads).
    if (values['to-user'] !== undefined) await emitter.emitToUser(values['to-user'], event, data as never);
    else if (values['to-room'] !== undefined) await emitter.emitToRoom(values['to-room'], event, data as never);
    else await emitter.broadcast(event, data as never);
    console.log(`emit: ${event} accepted`);
  } finally {
    await emitter.close();
  }
}

main().catch((error: unknown) => {
  console.error(`emit: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
