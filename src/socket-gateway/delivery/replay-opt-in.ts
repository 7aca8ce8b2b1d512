/**
 * Which clients speak the replay protocol. A client opts in at the handshake
 * (`auth: { token, replay: true }`, or by sending `auth.resume`); it then receives each event's
 * log position as an extra last argument and `gateway:sync` after each (re)connect. Every other
 * client (a python-socketio handler `def on(data)`, a stock socket.io-client) receives each
 * event with exactly its payload: one argument, as the design note documents, and nothing else.
 *
 * Live delivery tells the two kinds apart with two node-local marker rooms (Socket.IO rooms can
 * be excluded but not intersected): entries go to `target.except(PLAIN_ROOM)` with their position
 * and, only when this node has plain sockets at all, to `target.except(REPLAY_ROOM)` without it.
 * Marker rooms start with `#`, which no app room name (rooms.ts) and no Socket.IO socket id
 * contains, so no emit can address them.
 * @see docs/replay-protocol.md
 */

/** Sockets that did not opt in: they receive payloads only. */
export const PLAIN_ROOM = '#plain';
/** Sockets that opted in: they receive positions and `gateway:sync`. */
export const REPLAY_ROOM = '#replay';

export function isMarkerRoom(room: string): boolean {
  return room === PLAIN_ROOM || room === REPLAY_ROOM;
}

/**
 * Whether a handshake's `auth` opts into the replay protocol: `replay: true`, or any `resume`
 * object (a client that sends one implements the protocol, even if its values are refused).
 * Hostile input: anything else is a plain client.
 */
export function wantsReplay(auth: unknown): boolean {
  if (typeof auth !== 'object' || auth === null) return false;
  const { replay, resume } = auth as { replay?: unknown; resume?: unknown };
  return replay === true || (typeof resume === 'object' && resume !== null);
}
