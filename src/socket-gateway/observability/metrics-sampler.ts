/**
 * The live dashboard's numbers (issue 13): every second this node reads its own counters, turns
 * them into a sample (connections now, events, deliveries, replays and resyncs per second since
 * the previous sample) and keeps the last few minutes in a ring buffer. In cluster mode a board
 * (Redis: stores/redis/node-samples.ts) carries every node's samples to every other node, so any
 * node answers for the whole cluster.
 *
 * The counters are read from the prom-client metrics themselves (`counter.get()`), once a second:
 * a handful of label sets summed, off the hot path. Keeping parallel plain counters would cost an
 * extra increment on every emit and delivery for a number read once a second.
 */
import { getMetrics, type GatewayMetrics } from './metrics';
import { processSlot } from '../process-holder';

/** One second of one node: connections at sampling time, the rest per second over the interval. */
export interface NodeSample {
  /** Wall clock (epoch ms) when taken: nodes' samples line up by it. */
  t: number;
  sockets: number;
  users: number;
  emitted: number;
  deliveries: number;
  replays: number;
  resyncs: number;
}

export interface NodeSeries {
  nodeId: string;
  samples: NodeSample[];
}

/** Where nodes leave their samples for each other; none in embedded mode (one node). */
export interface SampleBoard {
  publish(series: NodeSeries): Promise<void>;
  /** Every live node's series (a node that stopped publishing drops out after a few seconds). */
  read(): Promise<NodeSeries[]>;
}

/** The counters a sample is made of, as running totals. */
export interface CounterTotals {
  emitted: number;
  deliveries: number;
  replays: number;
  resyncs: number;
}

export interface Reading {
  /** Monotonic ms (rates), and wall clock ms (the sample's time). */
  at: number;
  t: number;
  totals: CounterTotals;
  sockets: number;
  users: number;
}

/** Keeps the last `capacity` items, oldest first. */
export interface RingBuffer<T> {
  push(item: T): void;
  toArray(): T[];
  readonly size: number;
}

export function createRingBuffer<T>(capacity: number): RingBuffer<T> {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
  const items: T[] = [];
  let next = 0;
  return {
    push(item) {
      if (items.length < capacity) items.push(item);
      else items[next] = item;
      next = (next + 1) % capacity;
    },
    toArray() {
      return items.length < capacity ? [...items] : [...items.slice(next), ...items.slice(0, next)];
    },
    get size() {
      return items.length;
    },
  };
}

/** Per second, from two readings; a counter that went down (a registry reset) counts as 0. */
export function rateSample(previous: Reading, current: Reading): NodeSample {
  const seconds = (current.at - previous.at) / 1000;
  const rate = (key: keyof CounterTotals) => (seconds > 0 ? Math.max(0, current.totals[key] - previous.totals[key]) / seconds : 0);
  return {
    t: current.t,
    sockets: current.sockets,
    users: current.users,
    emitted: rate('emitted'),
    deliveries: rate('deliveries'),
    replays: rate('replays'),
    resyncs: rate('resyncs'),
  };
}

const sumValues = async (
  metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> },
  keep = (_labels: Record<string, unknown>) => true,
) => (await metric.get()).values.reduce((total, v) => (keep(v.labels) ? total + v.value : total), 0);

/** The running totals of this process's counters. */
export async function readCounterTotals(metrics: GatewayMetrics): Promise<CounterTotals> {
  const [emitted, deliveries, replays, resyncs] = await Promise.all([
    sumValues(metrics.eventsEmitted),
    sumValues(metrics.deliveries),
    sumValues(metrics.replays, (labels) => labels.outcome === 'replayed'),
    sumValues(metrics.replays, (labels) => labels.outcome === 'resync'),
  ]);
  return { emitted, deliveries, replays, resyncs };
}

export interface MetricsSamplerOptions {
  nodeId: string;
  board?: SampleBoard;
  /** 1000 by default. */
  intervalMs?: number;
  /** Samples kept: 180 by default (3 minutes at one a second). */
  capacity?: number;
  metrics?: GatewayMetrics;
  /** A failed publish or read of the board (Redis down): reported, the sampler goes on. */
  onError?: (error: Error) => void;
}

export interface MetricsSampler {
  readonly nodeId: string;
  readonly intervalMs: number;
  /** Takes a sample now (the timer calls it every interval; tests call it directly). */
  sample(): Promise<void>;
  /** This node's samples, oldest first. */
  own(): NodeSeries;
  /** Every node's samples: this node's own, fresh, plus the board's others (sorted by node id). */
  read(): Promise<NodeSeries[]>;
  /** Starts the timer (unref'd: it never keeps the process alive). */
  start(): void;
  close(): void;
}

export function createMetricsSampler(options: MetricsSamplerOptions): MetricsSampler {
  const { nodeId, board, intervalMs = 1000, capacity = 180, metrics = getMetrics() } = options;
  const ring = createRingBuffer<NodeSample>(capacity);
  let previous: Reading | undefined;
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let closed = false;
  // A publish still out when the node shuts down fails on the closed connection: not worth a warning.
  const onError = (error: Error) => {
    if (!closed) options.onError?.(error);
  };

  const take = async (): Promise<Reading> => {
    const totals = await readCounterTotals(metrics);
    let sockets = 0;
    let users = 0;
    for (const source of metrics.sources) {
      sockets += source.sockets();
      users += source.users();
    }
    return { at: performance.now(), t: Date.now(), totals, sockets, users };
  };
  const own = (): NodeSeries => ({ nodeId, samples: ring.toArray() });

  const sampler: MetricsSampler = {
    nodeId,
    intervalMs,
    async sample() {
      const current = await take();
      ring.push(previous ? rateSample(previous, current) : rateSample(current, current));
      previous = current;
      await board?.publish(own()).catch(onError);
    },
    own,
    async read() {
      const others = board ? await board.read().catch((error: Error) => (onError(error), [])) : [];
      return [own(), ...others.filter((series) => series.nodeId !== nodeId)].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
    },
    start() {
      if (timer || closed) return;
      const tick = () => {
        // A slow Redis must not pile samples up: skip a tick while the last one is still out.
        if (busy) return;
        busy = true;
        sampler
          .sample()
          .catch(onError)
          .finally(() => (busy = false));
      };
      timer = setInterval(tick, intervalMs);
      timer.unref();
      tick();
    },
    close() {
      closed = true;
      clearInterval(timer);
      timer = undefined;
    },
  };
  return sampler;
}

/**
 * server.ts and the code Next bundles each get their own copy of this module: the running
 * sampler lives on `globalThis` (process-holder.ts), as the metrics and the gateway runtime do.
 */
const slot = processSlot<MetricsSampler>('metricsSampler');

export function registerMetricsSampler(sampler: MetricsSampler): void {
  slot.set(sampler);
}

/** Removes `sampler` if it is the registered one. */
export function unregisterMetricsSampler(sampler: MetricsSampler): void {
  slot.clearIf(sampler);
}

export function findMetricsSampler(): MetricsSampler | undefined {
  return slot.get();
}
