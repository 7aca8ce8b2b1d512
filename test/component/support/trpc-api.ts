/**
 * The app's tRPC route handler minus Next, on port 0: Node request → fetch Request → appRouter
 * → Node response, so components under test call the real procedures over real HTTP. The
 * session comes from `getServerAuthSession`, which the test file mocks (it needs a Next request).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { TRPCContext } from '@/server/trpc/init';
import { createTRPCContext } from '@/server/trpc/next-context';
import { appRouter } from '@/server/trpc/root';

export interface TrpcApi {
  url: string;
  close(): Promise<void>;
}

/** `onContext` sees the context each call was given (what the tab's link sent along). */
export async function startTrpcApi(onContext: (ctx: TRPCContext) => void = () => {}): Promise<TrpcApi> {
  const api = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined });
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: request,
      router: appRouter,
      createContext: async (opts) => {
        const ctx = await createTRPCContext(opts);
        onContext(ctx);
        return ctx;
      },
    });
    res.writeHead(response.status, { 'content-type': 'application/json' });
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => api.close(() => resolve())),
  };
}
