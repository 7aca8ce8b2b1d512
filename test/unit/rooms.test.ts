import { describe, expect, it } from 'vitest';
import { canJoinRoom, isValidRoomName, userRoom } from 'socket-gateway/advanced';
import { roomNameError } from 'socket-gateway';

describe('room names', () => {
  it('formats personal rooms as user:{id}', () => {
    expect(userRoom('alice')).toBe('user:alice');
  });

  it.each(['lobby', 'team-1', 'a.b_c:d', 'x'.repeat(64)])('accepts %s', (room) => {
    expect(isValidRoomName(room)).toBe(true);
  });

  it.each([
    ['', /1-64/],
    ['x'.repeat(65), /1-64/],
    ['has space', /letters, digits/],
    ['ünïcode', /letters, digits/],
    ['user:alice', /reserved/],
    [42, /string/],
  ])('refuses %j', (room, message) => {
    expect(roomNameError(room)).toMatch(message);
  });

  it('lets any signed-in user join a valid app room, never a personal one', () => {
    expect(canJoinRoom({ id: 'bob' }, 'lobby')).toBe(true);
    expect(canJoinRoom({ id: 'bob' }, 'user:alice')).toBe(false);
  });
});
