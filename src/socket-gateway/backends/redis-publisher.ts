/**
 * The publisher handed to @socket.io/redis-adapter. The adapter (8.3.0) calls
 * `pubClient.publish(…)` without handling the promise it returns, for every room move, kick,
 * sign-out and cross-node request. The gateway's Redis connections fail commands at once while
 * Redis is down (`disableOfflineQueue`), and node-redis fails any command that waited 5 s in its
 * queue (a node saturated by a reconnect storm): such a rejection was unhandled, and an unhandled
 * rejection ends a Node process. This view of the client reports those failures instead; every
 * other member is the client's own.
 * @see https://github.com/socketio/socket.io-redis-adapter/blob/8.3.0/lib/index.ts
 * @see https://nodejs.org/api/cli.html#--unhandled-rejectionsmode
 */
interface Publisher {
  publish(channel: string, message: string | Buffer): Promise<unknown>;
}

export function reportPublishFailures<Client extends Publisher>(client: Client, onError: (error: Error) => void): Client {
  const publish = (channel: string, message: string | Buffer) =>
    client.publish(channel, message).catch((error: unknown) => {
      onError(error instanceof Error ? error : new Error(String(error)));
      return 0;
    });
  return new Proxy(client, {
    get(target, property) {
      if (property === 'publish') return publish;
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the client itself: node-redis keeps its state in private fields.
      return typeof value === 'function' && property !== 'constructor' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
