/**
 * Socket server settings from the environment, each with a safe default. Bad values stop
 * start-up with a message naming the variable.
 */
/** Environment variables, as `process.env` holds them. */
export type Env = Record<string, string | undefined>;

export interface SocketServerConfig {
  /** Browser origins allowed to open a socket. Requests with no Origin header are allowed (they still need a token). */
  allowedOrigins: string[];
  /** Sockets one user may hold open at once on this server. */
  maxConnectionsPerUser: number;
  /** Largest packet a client may send, in bytes (Engine.IO `maxHttpBufferSize`). */
  maxPayloadBytes: number;
  /**
   * A client sending more than `floodMaxEvents` packets (events, acks, CONNECTs, noops: the
   * handshake's CONNECT counts) within `floodWindowMs` is disconnected.
   */
  floodMaxEvents: number;
  floodWindowMs: number;
}

export const SOCKET_CONFIG_DEFAULTS = {
  maxConnectionsPerUser: 10,
  maxPayloadBytes: 16 * 1024,
  floodMaxEvents: 20,
  floodWindowMs: 10_000,
} as const;

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function parseOrigin(value: string, name: string): string {
  try {
    const url = new URL(value);
    if (url.origin === 'null') throw new Error('opaque origin');
    return url.origin;
  } catch {
    throw new Error(`${name} must list origins such as https://app.example.com, got ${JSON.stringify(value)}`);
  }
}

/** The app's own origin (from NEXTAUTH_URL), allowed when SOCKET_ALLOWED_ORIGINS is not set. */
export function appOrigin(env: Env = process.env): string {
  return parseOrigin(env.NEXTAUTH_URL ?? `http://localhost:${env.PORT ?? 3000}`, 'NEXTAUTH_URL');
}

export function loadSocketServerConfig(env: Env = process.env): SocketServerConfig {
  const listed = env.SOCKET_ALLOWED_ORIGINS?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    allowedOrigins: listed?.length
      ? listed.map((origin) => parseOrigin(origin, 'SOCKET_ALLOWED_ORIGINS'))
      : [appOrigin(env)],
    maxConnectionsPerUser: positiveInt(env, 'SOCKET_MAX_CONNECTIONS_PER_USER', SOCKET_CONFIG_DEFAULTS.maxConnectionsPerUser),
    maxPayloadBytes: positiveInt(env, 'SOCKET_MAX_PAYLOAD_BYTES', SOCKET_CONFIG_DEFAULTS.maxPayloadBytes),
    floodMaxEvents: positiveInt(env, 'SOCKET_FLOOD_MAX_EVENTS', SOCKET_CONFIG_DEFAULTS.floodMaxEvents),
    floodWindowMs: positiveInt(env, 'SOCKET_FLOOD_WINDOW_MS', SOCKET_CONFIG_DEFAULTS.floodWindowMs),
  };
}
