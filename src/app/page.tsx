import { redirect } from 'next/navigation';
import { getServerAuthSession } from '@/server/auth';
import { demoUsers } from '@/server/demo-users';
import { Dashboard } from './_components/dashboard';

export const dynamic = 'force-dynamic';

export default async function HomePage() {
  const session = await getServerAuthSession();
  if (!session) redirect('/signin?callbackUrl=%2F');
  const people = demoUsers().map((user) => user.id);
  return <Dashboard user={session.user} people={people} />;
}
