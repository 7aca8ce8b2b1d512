/**
 * A signed-in session on the demo app over plain HTTP, as a browser would do it: next-auth's
 * credentials flow (CSRF token, then the callback), then tRPC calls over fetch with the cookie.
 *
 * Shared by the tests (test/helpers/app-process.ts re-exports it) and the benchmark's HTTP part:
 * process-level plumbing that belongs to neither, so neither imports the other.
 */

/** A signed-in HTTP session: next-auth's credentials flow, then tRPC calls with the cookie. */
export interface Session {
  cookie: string;
  query<T = unknown>(path: string, input?: unknown): Promise<TrpcResult<T>>;
  mutate<T = unknown>(path: string, input?: unknown): Promise<TrpcResult<T>>;
  signOut(): Promise<void>;
}

export type TrpcResult<T> = { ok: true; data: T } | { ok: false; code: string; message: string; status: number };

function cookiesFrom(response: Response, jar: Map<string, string>): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (pair && eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

async function trpcCall<T>(baseUrl: string, jar: Map<string, string>, kind: 'query' | 'mutation', path: string, input: unknown) {
  const url = new URL(`/api/trpc/${path}`, baseUrl);
  const init: RequestInit = { headers: { cookie: cookieHeader(jar) } };
  if (kind === 'query') {
    if (input !== undefined) url.searchParams.set('input', JSON.stringify(input));
  } else {
    init.method = 'POST';
    init.headers = { ...init.headers, 'content-type': 'application/json' };
    init.body = JSON.stringify(input ?? null);
  }
  const response = await fetch(url, init);
  const body = (await response.json()) as { result?: { data: T }; error?: { message: string; data: { code: string } } };
  if (body.error) return { ok: false as const, code: body.error.data.code, message: body.error.message, status: response.status };
  return { ok: true as const, data: body.result?.data as T };
}

export async function signIn(baseUrl: string, username: string, password = 'demo'): Promise<Session> {
  const jar = new Map<string, string>();
  const csrfResponse = await fetch(new URL('/api/auth/csrf', baseUrl));
  cookiesFrom(csrfResponse, jar);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const login = await fetch(new URL('/api/auth/callback/credentials', baseUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, username, password, json: 'true' }),
  });
  cookiesFrom(login, jar);
  if (![...jar.keys()].some((name) => name.includes('next-auth.session-token'))) {
    throw new Error(`sign-in as ${username} failed (HTTP ${login.status})`);
  }
  return sessionFromJar(baseUrl, jar);
}

/** A session that presents `cookie` (for example one copied out of another session). */
export function sessionWithCookie(baseUrl: string, cookie: string): Session {
  const jar = new Map<string, string>();
  for (const pair of cookie.split('; ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return sessionFromJar(baseUrl, jar);
}

function sessionFromJar(baseUrl: string, jar: Map<string, string>): Session {
  return {
    get cookie() {
      return cookieHeader(jar);
    },
    query: (path, input) => trpcCall(baseUrl, jar, 'query', path, input),
    mutate: (path, input) => trpcCall(baseUrl, jar, 'mutation', path, input),
    async signOut() {
      const { csrfToken: token } = (await (await fetch(new URL('/api/auth/csrf', baseUrl), { headers: { cookie: cookieHeader(jar) } })).json()) as {
        csrfToken: string;
      };
      const response = await fetch(new URL('/api/auth/signout', baseUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
        body: new URLSearchParams({ csrfToken: token, json: 'true' }),
      });
      cookiesFrom(response, jar);
    },
  };
}
