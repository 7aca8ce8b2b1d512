/**
 * The composition root of the realtime parts: from the parsed settings it builds the stores
 * and the Socket.IO options and hands them to `createSocketServer`. Adding a backend (an
 * embedded database, Redis) touches this file and the stores only.
 */
import type { Server as HttpServer } from 'node:http';
import type { Env } from '@/env';
import { addressKey, clientAddress } from '@/server/http/client-address';
import { createMemoryMembershipStore, createMemoryRevocationStore, createSocketServer, type GatewayStores, type SocketServerHandle } from '@/socket-gateway';

export interface Realtime {
  sockets: SocketServerHandle;
  /** Graceful shutdown, step 1: refuse new handshakes and disconnect every socket. */
  drain(): void;
  /** Stops the socket server and releases the stores. */
  close(): Promise<void>;
}

function createStores(): GatewayStores {
  return { membership: createMemoryMembershipStore(), revocations: createMemoryRevocationStore() };
}

export async function createRealtime(httpServer: HttpServer, env: Env): Promise<Realtime> {
  const stores = createStores();
  const sockets = createSocketServer(httpServer, {
    ...env.socket,
    stores,
    maxRoomsPerUser: env.maxRoomsPerUser,
    validatePayloads: env.nodeEnv !== 'production',
    handshakeLimits: env.handshake,
    addressKeyOf: (req) => addressKey(clientAddress(req, env.trustProxy)),
  });
  return {
    sockets,
    drain: () => sockets.drain(),
    async close() {
      await sockets.close();
      await Promise.all(Object.values(stores).map((store: { close?: () => Promise<void> }) => store.close?.()));
    },
  };
}
