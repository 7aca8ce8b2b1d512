/**
 * METRICS_PORT's listener (src/server/http/metrics-listener.ts) on a real port 0: only
 * `GET /metrics`, the registry's text, and the bearer token when METRICS_TOKEN is set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsListener, type MetricsListener } from '@/server/http/metrics-listener';
import { getMetrics } from '@/socket-gateway/metrics';

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
});
