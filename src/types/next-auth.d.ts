import type { DefaultSession } from 'next-auth';
import type { Role } from '@/server/demo-users';

declare module 'next-auth' {
  interface Session {
    user: { id: string; name: string; role: Role } & Omit<NonNullable<DefaultSession['user']>, 'name'>;
    /** When the user signed in (epoch ms): a sign-out after it revokes this session. */
    signedInAt: number;
  }
  interface User {
    role: Role;
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    role?: Role;
    /** Set once at sign-in and kept when the token is re-issued, unlike `iat`. */
    signedInAt?: number;
  }
}
