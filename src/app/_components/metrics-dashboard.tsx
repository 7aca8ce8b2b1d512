'use client';

import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useSession } from 'next-auth/react';
import { useTRPC } from '@/trpc/react';
import { AppHeader } from './app-header';
import { FormError } from './form-error';
import { LineChart } from './line-chart';

/** The charts, one per series of a node's sample (src/socket-gateway/metrics-sampler.ts). */
const SERIES = [
  { key: 'sockets', title: 'Sockets connected', unit: 'sockets' },
  { key: 'users', title: 'Users connected', unit: 'users' },
  { key: 'emitted', title: 'Events emitted', unit: '/s' },
  { key: 'deliveries', title: 'Deliveries', unit: '/s' },
  { key: 'replays', title: 'Replays', unit: '/s' },
  { key: 'resyncs', title: 'Resyncs', unit: '/s' },
] as const;

/**
 * The live metrics of every node, for admins: `metrics.dashboard` once a second (the server
 * refuses anyone else, and then this page shows its answer and stops asking).
 */
export function MetricsDashboard({ user }: { user: { id: string; role: string } }) {
  const router = useRouter();
  useSession({ required: true, onUnauthenticated: () => router.replace('/signin?callbackUrl=%2Fadmin%2Fmetrics') });
  const trpc = useTRPC();
  const { data, error } = useQuery(
    trpc.metrics.dashboard.queryOptions(undefined, {
      refetchInterval: (query) => (query.state.error ? false : (query.state.data?.intervalMs ?? 1000)),
      refetchIntervalInBackground: false,
      staleTime: 0,
    }),
  );
  const nodes = data?.nodes ?? [];
  const to = Math.max(0, ...nodes.map((node) => node.samples.at(-1)?.t ?? 0));
  const windowMs = Math.max(1000, ...nodes.map((node) => node.samples.length * (data?.intervalMs ?? 1000)));
  const from = to - windowMs;

  return (
    <div className="app">
      <AppHeader user={user} />
      <main className="metrics">
        <div className="metrics__header">
          <h1 className="metrics__title">Live metrics</h1>
          {data && (
            <p className="muted" data-testid="metrics-nodes">
              {nodes.length} node{nodes.length === 1 ? '' : 's'} · one sample a second · last {Math.round(windowMs / 1000)} s
            </p>
          )}
        </div>
        <FormError id="metrics-error" error={error} />
        {data && nodes.length === 0 && <p className="empty">No socket server runs in this process.</p>}
        {nodes.length > 0 && (
          <div className="metrics__grid">
            {SERIES.map((series) => (
              <LineChart
                key={series.key}
                id={series.key}
                title={series.title}
                unit={series.unit}
                from={from}
                to={to}
                lines={nodes.map((node) => ({ label: node.nodeId, points: node.samples.map((sample) => ({ t: sample.t, value: sample[series.key] })) }))}
              />
            ))}
          </div>
        )}
      </main>
    </div>
  );
}
