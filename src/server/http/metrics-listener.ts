/**
 * METRICS_PORT: a second, private listener that serves only `GET /metrics` (the Prometheus text
 * format), so a scraper reaches the metrics on an internal address without going through the
 * public port, its proxy or its limits. It binds METRICS_HOSTNAME (loopback by default); with
 * METRICS_TOKEN set it asks for the same bearer token as /api/metrics.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { getLogger } from 'socket-gateway/advanced';
import { type GatewayLogger } from 'socket-gateway';
import { bearerMatches } from './bearer-token';

export interface MetricsListenerOptions {
  port: number;
  hostname: string;
  registry: Registry;
  /** Unset: no token asked (the address is private); set: `Authorization: Bearer <token>`. */
  token?: string;
  /** Where the start-up warning goes (default: the process's logger). */
  logger?: GatewayLogger;
}

export interface MetricsListener {
  /** Where it listens (the real port when `port` was 0). */
  url: string;
  close(): Promise<void>;
}

/** Whether `hostname` is reachable from this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startMetricsListener({ port, hostname, registry, token, logger = getLogger() }: MetricsListenerOptions): Promise<MetricsListener> {
  const server: Server = createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, (req, res) => {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return send(404, 'Not Found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    if (token && !bearerMatches(req.headers.authorization, token)) return send(401, 'Unauthorized', { 'www-authenticate': 'Bearer realm="metrics"' });
    registry.metrics().then(
      (text) => send(200, req.method === 'HEAD' ? '' : text, { 'content-type': registry.contentType }),
      () => send(500, 'Internal Server Error'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  // Beyond loopback with no token, anyone who reaches the address reads the metrics (attacks-3, Info):
  // allowed (a private network may be meant), but said out loud at every start.
  if (!token && !isLoopback(hostname)) {
    logger.warn(
      { event: 'metrics_unauthenticated', hostname, port: bound },
      `> Metrics listener on ${host}:${bound} is reachable beyond this machine and asks for no token: set METRICS_TOKEN, or METRICS_HOSTNAME=127.0.0.1`,
    );
  }
  return {
    url: `http://${host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
