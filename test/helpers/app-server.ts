/**
 * The real app for e2e suites: everything in ./app-process (re-exported, so suites import
 * one module), plus `useAppServer`, which needs vitest's hooks.
 */
import { afterAll, beforeAll } from 'vitest';
import { openSocket, signIn, startAppServer, type AppServer, type Session } from './app-process';
import type { TestClient } from './socket-server';

export * from './app-process';

/**
 * Starts the real app once for a suite (beforeAll) and stops it, with every socket the suite
 * opened through `openTab`, afterwards (afterAll).
 */
export function useAppServer(env: Record<string, string> = {}) {
  const clients: TestClient[] = [];
  let app: AppServer | undefined;
  beforeAll(async () => {
    app = await startAppServer(env);
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await app?.stop();
  });
  const running = () => {
    if (!app) throw new Error('the app server is not started yet (use it inside tests)');
    return app;
  };
  return {
    get app() {
      return running();
    },
    signIn: (username: string, password?: string) => signIn(running().url, username, password),
    async openTab(session: Session, transport?: 'websocket' | 'polling') {
      const client = await openSocket(running().url, session, transport);
      clients.push(client);
      return client;
    },
  };
}
