import { findMetricsSampler } from 'socket-gateway/advanced';
import { adminProcedure, createTRPCRouter } from '../init';

export const metricsRouter = createTRPCRouter({
  /**
   * The live dashboard's data, admins only: every node's samples of the last few minutes (one a
   * second: connections, events, deliveries, replays and resyncs per second). `nodes` is empty in a
   * process that runs no socket server.
   */
  dashboard: adminProcedure.query(async () => {
    const sampler = findMetricsSampler();
    return { intervalMs: sampler?.intervalMs ?? 1000, nodes: sampler ? await sampler.read() : [] };
  }),
});
