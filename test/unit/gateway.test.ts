import { describe, expect, it } from 'vitest';
import { SocketGateway } from '@/socket-gateway';
import type { MessagePayload } from '@/socket-gateway/events';
import { createRecordingIo, recordingParts } from '../helpers/recording-io';

const payload: MessagePayload = { id: '1', from: 'alice', message: 'hi', sentAt: 1 };

function setup() {
  const { io, calls } = createRecordingIo();
  return { gateway: new SocketGateway(() => recordingParts(io)), calls };
}

describe('SocketGateway → Socket.IO', () => {
  it('emitToUser emits to the room user:{id} with the exact event and payload', () => {
    const { gateway, calls } = setup();
    gateway.emitToUser('bob', 'notification', payload);
    expect(calls).toEqual([{ op: 'emit', room: 'user:bob', event: 'notification', args: [payload] }]);
  });

  it('emitToRoom emits to that room', () => {
    const { gateway, calls } = setup();
    const roomMessage = { ...payload, room: 'lobby' };
    gateway.emitToRoom('lobby', 'room:message', roomMessage);
    expect(calls).toEqual([{ op: 'emit', room: 'lobby', event: 'room:message', args: [roomMessage] }]);
  });

  it('broadcast emits without a room', () => {
    const { gateway, calls } = setup();
    gateway.broadcast('announcement', payload);
    expect(calls).toEqual([{ op: 'emit', room: null, event: 'announcement', args: [payload] }]);
  });

  it('joinRoom and leaveRoom pass the socket id and room through', () => {
    const { gateway, calls } = setup();
    gateway.joinRoom('sid-1', 'lobby');
    gateway.leaveRoom('sid-1', 'lobby');
    expect(calls).toEqual([
      { op: 'socketsJoin', target: 'sid-1', room: 'lobby' },
      { op: 'socketsLeave', target: 'sid-1', room: 'lobby' },
    ]);
  });

  it('acts on every socket of a user through user:{id}', () => {
    const { gateway, calls } = setup();
    gateway.addUserToRoom('bob', 'lobby');
    gateway.removeUserFromRoom('bob', 'lobby');
    gateway.disconnectUser('bob');
    expect(calls).toEqual([
      { op: 'socketsJoin', target: 'user:bob', room: 'lobby' },
      { op: 'socketsLeave', target: 'user:bob', room: 'lobby' },
      { op: 'disconnectSockets', target: 'user:bob', close: true },
    ]);
  });

  it('refuses reserved or malformed rooms and empty ids, and calls nothing', () => {
    const { gateway, calls } = setup();
    expect(() => gateway.joinRoom('sid-1', 'user:alice')).toThrow(/reserved/);
    expect(() => gateway.emitToRoom('has space', 'room:message', { ...payload, room: 'x' })).toThrow(TypeError);
    expect(() => gateway.emitToUser('', 'notification', payload)).toThrow(/userId/);
    expect(() => gateway.leaveRoom('', 'lobby')).toThrow(/socketId/);
    expect(calls).toEqual([]);
  });

  it('throws a clear configuration error when no socket server is running', () => {
    const gateway = new SocketGateway();
    expect(() => gateway.broadcast('announcement', payload)).toThrow(/not running.*server\.ts/s);
  });
});

describe('payload checks against the event schemas', () => {
  const withChecks = (validatePayloads: boolean) => {
    const { io, calls } = createRecordingIo();
    return { gateway: new SocketGateway(() => ({ ...recordingParts(io), validatePayloads })), calls };
  };
  // Passed through a variable, an object with extra or missing fields compiles: the schema catches it.
  const leaky = { ...payload, passwordHash: 'x' } as MessagePayload;
  const missing = { id: '1', from: 'alice' } as MessagePayload;

  it('in development and tests, an emit whose payload does not match its schema throws and sends nothing', () => {
    const { gateway, calls } = withChecks(true);
    expect(() => gateway.emitToUser('bob', 'notification', leaky)).toThrow(/Payload of "notification" does not match its schema.*passwordHash/);
    expect(() => gateway.broadcast('announcement', missing)).toThrow(/message/);
    expect(() => gateway.emitToRoom('lobby', 'room:message', payload as never)).toThrow(/room/);
    expect(calls).toEqual([]);
    gateway.emitToUser('bob', 'notification', payload);
    expect(calls).toHaveLength(1);
  });

  it('with checks off (production default), payloads pass through untouched', () => {
    const { gateway, calls } = withChecks(false);
    gateway.emitToUser('bob', 'notification', leaky);
    expect(calls).toEqual([{ op: 'emit', room: 'user:bob', event: 'notification', args: [leaky] }]);
  });
});
