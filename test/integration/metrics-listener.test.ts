/**
 * METRICS_PORT's listener (src/server/http/metrics-listener.ts) on a real port 0: only
 * `GET /metrics`, the registry's text, and the bearer token when METRICS_TOKEN is set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback, startMetricsListener, type MetricsListener } from '@/server/http/metrics-listener';
import { createLogger } from 'socket-gateway/advanced';
import { getMetrics } from 'socket-gateway/advanced';

const TOKEN = 't'.repeat(40);
let listener: MetricsListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

describe('metrics listener', () => {
  it('serves the registry at /metrics on its own port, and nothing else', async () => {
    listener = await startMetricsListener({ port: 0, hostname: '127.0.0.1', registry: getMetrics().registry });
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(listener.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('# TYPE socket_gateway_redis_command_duration_seconds histogram');
    const base = new URL(listener.url);
    for (const path of ['/', '/api/metrics', '/metrics/x', '/api/trpc/metrics.dashboard']) expect((await fetch(new URL(path, base))).status).toBe(404);
    expect((await fetch(listener.url, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('asks for the bearer token when one is set', async () => {
    listener = await startMetricsListener({ port: 0, hostname: '127.0.0.1', registry: getMetrics().registry, token: TOKEN });
    const none = await fetch(listener.url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.text()).not.toContain('socket_gateway');
    expect((await fetch(listener.url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(listener.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('socket_gateway_sockets_connected');
  });

  it('warns at start when it listens beyond loopback without a token (attacks-3, Info), and only then', async () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    const warnings = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'metrics_unauthenticated');
    for (const [hostname, token] of [
      ['127.0.0.1', undefined],
      ['0.0.0.0', TOKEN],
    ] as const) {
      listener = await startMetricsListener({ port: 0, hostname, registry: getMetrics().registry, token, logger });
      await listener.close();
    }
    expect(warnings()).toEqual([]);
    listener = await startMetricsListener({ port: 0, hostname: '0.0.0.0', registry: getMetrics().registry, logger });
    expect(warnings()).toEqual([expect.objectContaining({ level: 'warn', hostname: '0.0.0.0', msg: expect.stringContaining('METRICS_TOKEN') })]);
    expect((await fetch(`http://127.0.0.1:${new URL(listener.url).port}/metrics`)).status).toBe(200); // still served: a private network may be meant
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'metrics.internal', '128.0.0.1', '127.0.0.1.evil']) expect(isLoopback(host)).toBe(false);
  });
});
