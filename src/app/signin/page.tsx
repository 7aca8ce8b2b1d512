import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getServerAuthSession } from '@/server/auth';
import { demoUsers } from '@/server/demo-users';
import { getEnv } from '@/env';
import { safeCallbackUrl } from '@/server/safe-callback-url';
import { SignInForm } from './sign-in-form';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

const DEMO_PASSWORD = 'demo';

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  const { callbackUrl } = await searchParams;
  const env = getEnv();
  const target = safeCallbackUrl(Array.isArray(callbackUrl) ? callbackUrl[0] : callbackUrl, env.appOrigin);
  if (await getServerAuthSession()) redirect(target);

  const users = demoUsers();
  // The password is shown in development only, and only while every account still uses the
  // documented demo one. Production never prints a password, whatever DEMO_USERS holds.
  const demoPassword = env.dev && users.every((user) => user.password === DEMO_PASSWORD) ? DEMO_PASSWORD : null;
  return (
    <main className="auth-shell">
      <SignInForm accounts={users.map(({ id, role }) => ({ id, role }))} demoPassword={demoPassword} callbackUrl={target} />
    </main>
  );
}
