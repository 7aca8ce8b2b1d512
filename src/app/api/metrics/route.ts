import { getEnv } from '@/env';
import { bearerMatches } from '@/server/http/bearer-token';
import { getMetrics } from 'socket-gateway/advanced';

export const dynamic = 'force-dynamic';

/**
 * Prometheus metrics of this node (text format), only to `Authorization: Bearer <METRICS_TOKEN>`;
 * 401 without it or with another token; 404 when METRICS_TOKEN is not set (the endpoint is off).
 */
export async function GET(request: Request) {
  const token = getEnv().metricsToken;
  if (!token) return new Response('Not Found', { status: 404 });
  if (!bearerMatches(request.headers.get('authorization'), token)) {
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
