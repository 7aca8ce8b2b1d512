/**
 * attacks.md H1: request bodies are capped before anything buffers them. Three concurrent
 * 300 MB chunked uploads (no Content-Length: the bytes are counted as they arrive), to the
 * sign-in callback without an account and to /api/trpc with one, each get 413, and the
 * server's memory does not move. Before the cap: RSS 418 → 1,064 MB for one upload.
 */
import { describe, expect, it } from 'vitest';
import { useAppServer } from '../helpers/app-server';
import { chunkedBody, rawRequest, rssMb, withPeakRss } from '../helpers/attack';

const suite = useAppServer();
const MB = 1024 * 1024;
const API_CAP = 64 * 1024; // API_MAX_BODY_BYTES default
const PAGE_CAP = 1024 * 1024; // HTTP_MAX_BODY_BYTES default

function head(path: string, headers: Record<string, string>): string {
  const lines = Object.entries({ Host: `localhost:${suite.app.port}`, ...headers }).map(([name, value]) => `${name}: ${value}`);
  return [`POST ${path} HTTP/1.1`, ...lines].join('\r\n');
}

describe('H1: bounded request bodies', () => {
  it('three concurrent 300 MB chunked uploads get 413 each; the server grows < 100 MB', async () => {
    const { app } = suite;
    const alice = await suite.signIn('alice');
    const before = rssMb(app.process.pid!);
    const uploads = [
      rawRequest(
        app.port,
        head('/api/auth/callback/credentials', { 'Content-Type': 'application/x-www-form-urlencoded', 'Transfer-Encoding': 'chunked' }),
        chunkedBody(300 * MB),
      ),
      rawRequest(app.port, head('/api/auth/session', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }), chunkedBody(300 * MB)),
      rawRequest(
        app.port,
        head('/api/trpc/notification.send', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', Cookie: alice.cookie }),
        chunkedBody(300 * MB),
      ),
    ];
    const { result, peakMb } = await withPeakRss(app.process.pid!, Promise.all(uploads));
    console.log(
      `[H1] 3 × 300 MB chunked: statuses ${result.map((r) => r.status).join(', ')}; sent ${result.map((r) => (r.sent / MB).toFixed(1)).join(' / ')} MB; RSS ${before.toFixed(0)} → peak ${peakMb.toFixed(0)} MB`,
    );
    for (const response of result) {
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: `Request body too large: at most ${API_CAP} bytes here` } });
    }
    expect(peakMb - before).toBeLessThan(100);
  });

  it('a declared Content-Length over the cap is refused before the body is sent (Expect: 100-continue too)', async () => {
    const { app } = suite;
    const declared = await rawRequest(
      app.port,
      head('/api/auth/callback/credentials', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(300 * MB) }),
      chunkedBody(8 * MB),
    );
    expect(declared.status).toBe(413);
    const expecting = await rawRequest(
      app.port,
      head('/api/trpc/room.join', { 'Content-Type': 'application/json', 'Content-Length': String(API_CAP + 1), Expect: '100-continue' }),
    );
    expect(expecting.status).toBe(413); // not 100 Continue: the client never sends the body
  });

  it('pages and other routes have their own, larger cap', async () => {
    const { app } = suite;
    const page = await rawRequest(app.port, head('/', { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }), chunkedBody(2 * MB));
    expect(page.status).toBe(413);
    expect(page.body).toContain(`at most ${PAGE_CAP} bytes`);
  });

  it('normal requests still work: chunked and sized bodies under the cap reach the app', async () => {
    const { app } = suite;
    const alice = await suite.signIn('alice');
    const json = JSON.stringify({ toUserId: 'bob', message: 'chunked but small' });
    const chunked = await rawRequest(
      app.port,
      head('/api/trpc/notification.send', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', Cookie: alice.cookie, Connection: 'close' }),
      [Buffer.from(`${Buffer.byteLength(json).toString(16)}\r\n${json}\r\n0\r\n\r\n`)],
    );
    expect(chunked.status).toBe(200);
    expect(chunked.body).toContain('chunked but small');
    // Just under the cap: refused by zod (too long a message), not by the body cap.
    const big = JSON.stringify({ toUserId: 'bob', message: 'x'.repeat(API_CAP - 100) });
    const sized = await fetch(new URL('/api/trpc/notification.send', app.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: alice.cookie },
      body: big,
    });
    expect(sized.status).toBe(400);
    expect((await alice.mutate('notification.send', { toUserId: 'bob', message: 'still fine' })).ok).toBe(true);
  });
});
