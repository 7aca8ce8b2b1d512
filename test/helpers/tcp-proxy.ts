/**
 * A small TCP proxy standing in for a load balancer or a flaky network: it forwards to a
 * target port, can drop every connection at once, refuse new ones for a while (token fetches
 * and socket handshakes alike), and move to another target (a client switching nodes).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  /** Destroys every open connection (both sides see a reset). */
  dropAll(): void;
  /** While true, new connections are closed at once. */
  setRefusing(refusing: boolean): void;
  /** Sends new connections to another port (open ones stay where they are). */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let refusing = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    dropAll() {
      for (const socket of open) socket.destroy();
    },
    setRefusing(value) {
      refusing = value;
    },
    retarget(port) {
      target = port;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
