/**
 * Who opts into the replay protocol at the handshake (replay-opt-in.ts): hostile input, so only
 * `replay: true` or a `resume` object counts; anything else is a plain client (payloads only).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMarkerRoom, PLAIN_ROOM, REPLAY_ROOM, wantsReplay } from '@/socket-gateway/delivery/replay-opt-in';
import { isValidRoomName } from 'socket-gateway/advanced';

describe('wantsReplay', () => {
  it.each([
    [{ token: 't', replay: true }, true],
    [{ token: 't', resume: { epoch: 'e', position: '0-1' } }, true],
    [{ token: 't', resume: { epoch: 42 } }, true], // speaks the protocol, even if its values are refused
    [{ token: 't' }, false],
    [{ token: 't', replay: 'true' }, false],
    [{ token: 't', replay: 1 }, false],
    [{ token: 't', resume: 'x' }, false],
    [{ token: 't', resume: null }, false],
    [null, false],
    [undefined, false],
    ['replay', false],
    [JSON.parse('{"__proto__":{"replay":true}}'), false],
  ])('%j → %s', (auth, expected) => {
    expect(wantsReplay(auth)).toBe(expected);
  });

  it('never throws, whatever the handshake carries', () => {
    fc.assert(
      fc.property(fc.anything(), (auth) => {
        expect(typeof wantsReplay(auth)).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });
});

describe('marker rooms', () => {
  it('can never be an app room, so no emit can address them', () => {
    expect(isValidRoomName(PLAIN_ROOM)).toBe(false);
    expect(isValidRoomName(REPLAY_ROOM)).toBe(false);
    expect([PLAIN_ROOM, REPLAY_ROOM, 'lobby', 'user:alice'].map(isMarkerRoom)).toEqual([true, true, false, false]);
  });
});
