/**
 * /api/metrics on the production build (issue 13): answered only to
 * `Authorization: Bearer <METRICS_TOKEN>`, off (404) without METRICS_TOKEN; the Prometheus
 * text shows the connections, handshakes, emits and deliveries of the run, the default process
 * metrics and the event-loop lag, and no label value is a user id.
 */
import { describe, expect, it } from 'vitest';
import { useAppServer } from '../helpers/app-server';

const METRICS_TOKEN = 'e2e-metrics-token-0123456789abcdefghijkl';
const USERS = ['alice', 'bob', 'carol', 'admin'];

/** Every label value in a Prometheus text exposition. */
function labelValues(text: string): string[] {
  return [...text.matchAll(/^[a-zA-Z_:][a-zA-Z0-9_:]*\{([^}]*)\}/gm)].flatMap((m) => [...m[1]!.matchAll(/="((?:[^"\\]|\\.)*)"/g)].map((v) => v[1]!));
}

/** The value of the sample `series` (a name with its labels, as printed). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('with METRICS_TOKEN', () => {
  const suite = useAppServer({ METRICS_TOKEN });
  const get = (headers: Record<string, string> = {}) => fetch(new URL('/api/metrics', suite.app.url), { headers });

  it('refuses a request without the token or with another one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: METRICS_TOKEN },
      { authorization: `Basic ${METRICS_TOKEN}` },
    ];
    for (const headers of attempts) {
      const response = await get(headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(await response.text()).not.toContain('socket_gateway');
    }
  });

  it('serves the metrics with the token: connections, handshakes, emits, deliveries, process metrics; no user id in a label', async () => {
    const alice = await suite.signIn('alice');
    const bob = await suite.signIn('bob');
    await suite.openTab(alice);
    const bobTab = await suite.openTab(bob);
    const received = new Promise((resolve) => bobTab.once('notification', resolve));
    expect((await alice.mutate('notification.send', { toUserId: 'bob', message: 'metrics' })).ok).toBe(true);
    await received;

    const response = await get({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'socket_gateway_sockets_connected')).toBe(2);
    expect(sample(text, 'socket_gateway_users_connected')).toBe(2);
    expect(sample(text, 'socket_gateway_handshakes_total{outcome="accepted"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'socket_gateway_events_emitted_total{event="notification",target="user"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'socket_gateway_deliveries_total{target="user"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'socket_gateway_bytes_out_total')).toBeGreaterThan(0);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    const values = labelValues(text);
    expect(values.length).toBeGreaterThan(0);
    for (const user of USERS) expect(values).not.toContain(user);
    expect(text).not.toMatch(/"(alice|bob|carol|admin)"/);
  });
});

describe('without METRICS_TOKEN', () => {
  const suite = useAppServer();

  it('the endpoint is off: 404, with or without a token', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${METRICS_TOKEN}` }, { authorization: 'Bearer ' }];
    for (const headers of attempts) {
      const response = await fetch(new URL('/api/metrics', suite.app.url), { headers });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('socket_gateway');
    }
  });
});
