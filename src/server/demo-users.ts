/**
 * The demo accounts (alice, bob, carol: role `user`; admin: role `admin`; password `demo`).
 * `DEMO_USERS` replaces the list: comma-separated `username:password[:role]` entries.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Env } from '@/socket-gateway/config';

export type Role = 'user' | 'admin';

export interface DemoUser {
  id: string;
  password: string;
  role: Role;
}

const DEFAULT_DEMO_USERS = 'alice:demo:user,bob:demo:user,carol:demo:user,admin:demo:admin';

export function parseDemoUsers(spec: string): DemoUser[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, password, role = 'user', ...rest] = entry.split(':');
      if (!id || !password || rest.length > 0 || (role !== 'user' && role !== 'admin')) {
        throw new Error(`DEMO_USERS entries look like name:password[:user|admin], got ${JSON.stringify(entry)}`);
      }
      return { id, password, role };
    });
}

export function demoUsers(env: Env = process.env): DemoUser[] {
  return parseDemoUsers(env.DEMO_USERS ?? DEFAULT_DEMO_USERS);
}

/** The account for these credentials, or null. Compares passwords in constant time. */
export function verifyDemoCredentials(username: unknown, password: unknown): DemoUser | null {
  if (typeof username !== 'string' || typeof password !== 'string') return null;
  const user = demoUsers().find((candidate) => candidate.id === username);
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const matches = timingSafeEqual(digest(user?.password ?? '\0no-user'), digest(password));
  return user && matches ? user : null;
}
