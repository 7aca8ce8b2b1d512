/**
 * A stand-in for the Socket.IO server that records what the gateway asks of it. Used only
 * by the seed's parameter-passing unit and property tests; delivery is tested for real in
 * test/integration.
 */
import {
  createDirectSink,
  createMemoryMembershipStore,
  createMemoryPresenceStore,
  createMemoryRateLimitStore,
  createMemoryRevocationStore,
  createMemoryRoomHistoryStore,
  type GatewayParts,
  type GatewayServer,
} from '@/socket-gateway';

export type IoCall =
  | { op: 'emit'; room: string | null; event: string; args: unknown[] }
  | { op: 'socketsJoin' | 'socketsLeave'; target: string; room: string }
  | { op: 'disconnectSockets'; target: string; close: boolean };

export function createRecordingIo(): { io: GatewayServer; calls: IoCall[] } {
  const calls: IoCall[] = [];
  const fake = {
    to: (room: string) => ({
      emit: (event: string, ...args: unknown[]) => {
        calls.push({ op: 'emit', room, event, args });
        return true;
      },
    }),
    emit: (event: string, ...args: unknown[]) => {
      calls.push({ op: 'emit', room: null, event, args });
      return true;
    },
    in: (target: string) => ({
      socketsJoin: (room: string) => void calls.push({ op: 'socketsJoin', target, room }),
      socketsLeave: (room: string) => void calls.push({ op: 'socketsLeave', target, room }),
      disconnectSockets: (close: boolean) => void calls.push({ op: 'disconnectSockets', target, close }),
    }),
  };
  return { io: fake as unknown as GatewayServer, calls };
}

/** Gateway parts over the recording stand-in (memory stores; payload checks off: parameter passing only). */
export function recordingParts(io: GatewayServer): GatewayParts {
  return {
    target: io,
    sink: createDirectSink(io),
    stores: {
      membership: createMemoryMembershipStore(),
      revocations: createMemoryRevocationStore(),
      rateLimits: createMemoryRateLimitStore(),
      presence: createMemoryPresenceStore(),
      history: createMemoryRoomHistoryStore(),
    },
    maxRoomsPerUser: 50,
    roomHistoryLimit: 100,
    validatePayloads: false,
  };
}
