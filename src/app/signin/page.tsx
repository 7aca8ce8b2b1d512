import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getServerAuthSession } from '@/server/auth';
import { demoUsers } from '@/server/demo-users';
import { getEnv } from '@/env';
import { safeCallbackUrl } from '../safe-callback-url';
import { SignInForm } from './sign-in-form';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sign in' };

const DEMO_PASSWORD = 'demo';

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string | string[] }> }) {
  const { callbackUrl } = await searchParams;
  const target = safeCallbackUrl(Array.isArray(callbackUrl) ? callbackUrl[0] : callbackUrl, getEnv().appOrigin);
  if (await getServerAuthSession()) redirect(target);

  const users = demoUsers();
  // The password is shown only while every account still uses the documented demo one.
  const demoPassword = users.every((user) => user.password === DEMO_PASSWORD) ? DEMO_PASSWORD : null;
  return (
    <main className="auth-shell">
      <SignInForm accounts={users.map(({ id, role }) => ({ id, role }))} demoPassword={demoPassword} callbackUrl={target} />
    </main>
  );
}
