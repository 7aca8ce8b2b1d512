/**
 * The body cap (src/server/http/body-limit.ts) on a plain http.Server whose handler reads the
 * body the way Next does (later, from the stream): bodies within the cap arrive whole, chunked
 * or sized, pipelined requests still work, and bodies over it get 413 before the handler is
 * ever called.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyLimitFor, limitRequestBody } from '@/server/http/body-limit';
import { chunkedBody, rawRequest } from '../helpers/attack';

const limits = { apiBytes: 1024, defaultBytes: 4096 };
let server: Server;
let port: number;
const handled: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    limitRequestBody(req, res, bodyLimitFor(req.url, limits), async () => {
      handled.push(req.url ?? '');
      await new Promise((resolve) => setTimeout(resolve, 5)); // Next reads the body later
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => res.end(`got ${bytes}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const head = (path: string, headers: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}`;

describe('request body cap', () => {
  it('picks the cap by path: /api/auth/* and /api/trpc get the API cap', () => {
    expect(bodyLimitFor('/api/auth/callback/credentials?x=1', limits)).toBe(1024);
    expect(bodyLimitFor('/api/trpc/a,b?batch=1', limits)).toBe(1024);
    expect(bodyLimitFor('/api/trpcx', limits)).toBe(4096);
    expect(bodyLimitFor('/', limits)).toBe(4096);
  });

  it('passes bodies within the cap, chunked or sized, whole', async () => {
    const chunked = await rawRequest(port, head('/api/trpc/x', 'Transfer-Encoding: chunked'), [
      Buffer.from('400\r\n'),
      Buffer.alloc(1024, 'a'),
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    expect(chunked).toMatchObject({ status: 200, body: 'got 1024' });
    const sized = await rawRequest(port, head('/api/trpc/x', 'Content-Length: 5'), [Buffer.from('hello')]);
    expect(sized).toMatchObject({ status: 200, body: 'got 5' });
  });

  it('refuses a body over the cap with 413, counting streamed bytes; the handler never runs', async () => {
    handled.length = 0;
    const streamed = await rawRequest(port, head('/api/auth/x', 'Transfer-Encoding: chunked'), chunkedBody(10 * 1024 * 1024));
    expect(streamed.status).toBe(413);
    expect(streamed.sent).toBeLessThan(10 * 1024 * 1024);
    const declared = await rawRequest(port, head('/', 'Content-Length: 4097'));
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body too large: at most 4096 bytes here' } });
    expect(handled).toEqual([]);
  });

  it('keeps pipelined requests working behind a chunked one', async () => {
    const pipelined = await rawRequest(
      port,
      `POST /api/trpc/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close`,
    );
    expect(pipelined.status).toBe(200);
    expect(pipelined.body).toContain('got 5');
  });
});
