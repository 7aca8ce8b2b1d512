/**
 * The demo accounts (alice, bob, carol: role `user`; admin: role `admin`; password `demo`),
 * from `DEMO_USERS` (parsed in src/env.ts). Production has none unless DEMO_USERS is set.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { getEnv, type DemoUser } from '@/env';

export type { DemoUser, Role } from '@/env';

export function demoUsers(): DemoUser[] {
  return getEnv().demoUsers;
}

/** The account for these credentials, or null. Compares passwords in constant time. */
export function verifyDemoCredentials(username: unknown, password: unknown): DemoUser | null {
  if (typeof username !== 'string' || typeof password !== 'string') return null;
  const user = demoUsers().find((candidate) => candidate.id === username);
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const matches = timingSafeEqual(digest(user?.password ?? '\0no-user'), digest(password));
  return user && matches ? user : null;
}
