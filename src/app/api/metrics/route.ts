import { createHash, timingSafeEqual } from 'node:crypto';
import { getEnv } from '@/env';
import { getMetrics } from '@/socket-gateway';

export const dynamic = 'force-dynamic';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time (hashes of equal length). */
function authorized(request: Request, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  return match !== null && timingSafeEqual(sha256(match[1]!), sha256(token));
}

/**
 * Prometheus metrics of this node (text format), only to `Authorization: Bearer <METRICS_TOKEN>`;
 * 401 without it or with another token; 404 when METRICS_TOKEN is not set (the endpoint is off).
 */
export async function GET(request: Request) {
  const token = getEnv().metricsToken;
  if (!token) return new Response('Not Found', { status: 404 });
  if (!authorized(request, token)) {
    return new Response('Unauthorized', {
      status: 401,
      headers: {
        'www-authenticate': 'Bearer realm="metrics"',
        'cache-control': 'no-store',
      },
    });
  }
  const { registry } = getMetrics();
  return new Response(await registry.metrics(), {
    headers: {
      'content-type': registry.contentType,
      'cache-control': 'no-store',
    },
  });
}
