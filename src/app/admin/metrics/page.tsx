import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getServerAuthSession } from '@/server/auth';
import { MetricsDashboard } from '../../_components/metrics-dashboard';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Live metrics' };

/** Admins only: the data comes from `metrics.dashboard`, which refuses everyone else (this page then shows that refusal). */
export default async function MetricsPage() {
  const session = await getServerAuthSession();
  if (!session) redirect('/signin?callbackUrl=%2Fadmin%2Fmetrics');
  return <MetricsDashboard user={session.user} />;
}
