/**
 * Prometheus metrics of the gateway (prom-client), served by the demo's /api/metrics
 * (docs/operations.md, "Metrics", lists each one).
 *
 * server.ts and the code Next bundles (the /api/metrics route handler, tRPC procedures) each
 * get their own copy of this module, so the registry and its metrics live on `globalThis`
 * under a `Symbol.for` key: whichever copy asks first creates them, every copy counts into
 * and reads from the same ones (see registry.ts).
 *
 * Labels are bounded: an outcome, a reason, a target kind, a known event name; never a user
 * id, a room name or anything a client chooses.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { isKnownEvent, type EventMap } from '../event-map';
import { processSlot } from '../process-holder';

export type HandshakeOutcome = 'accepted' | 'unauthorized' | 'origin' | 'cap' | 'flood' | 'draining' | 'unavailable' | 'rate';
export type SlowConsumerReason = 'backlog' | 'unsolicited_pong';
export type ReplayOutcome = 'replayed' | 'resync';
export type TargetKind = 'user' | 'room' | 'all';
export type RateLimitBucket = 'sender' | 'recipient' | 'lookup' | 'rooms_created';

/** What one socket server on this node reports at scrape time. */
export interface ConnectionSource {
  sockets(): number;
  users(): number;
}

export interface GatewayMetrics {
  registry: Registry;
  handshakes: Counter<'outcome'>;
  eventsEmitted: Counter<'event' | 'target'>;
  deliveries: Counter<'target'>;
  bytesOut: Counter;
  replays: Counter<'outcome'>;
  eventsReplayed: Counter;
  slowConsumersCut: Counter<'reason'>;
  floodDisconnects: Counter;
  rateLimited: Counter<'bucket'>;
  redisErrors: Counter;
  /** Round trips of Redis commands by command name (a fixed set, redis-command-metrics.ts). */
  redisCommandDuration: Histogram<'command'>;
  redisCommandErrors: Counter<'command'>;
  /** Socket servers running in this process (one in the app; several in tests). */
  sources: Set<ConnectionSource>;
}

const PREFIX = 'socket_gateway_';

function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sources = new Set<ConnectionSource>();
  const sum = (read: (source: ConnectionSource) => number) => [...sources].reduce((total, source) => total + read(source), 0);
  const registers = [registry];
  new Gauge({
    name: `${PREFIX}sockets_connected`,
    help: 'Sockets connected to this node (authenticated Socket.IO connections).',
    registers,
    collect() {
      this.set(sum((source) => source.sockets()));
    },
  });
  new Gauge({
    name: `${PREFIX}users_connected`,
    help: 'Distinct users with at least one socket on this node.',
    registers,
    collect() {
      this.set(sum((source) => source.users()));
    },
  });
  return {
    registry,
    sources,
    handshakes: new Counter({
      name: `${PREFIX}handshakes_total`,
      help: 'Socket handshakes by outcome: accepted, unauthorized, origin, cap, flood, draining, unavailable, rate.',
      labelNames: ['outcome'],
      registers,
    }),
    eventsEmitted: new Counter({
      name: `${PREFIX}events_emitted_total`,
      help: 'Events accepted into the event log by this node, by event name and target kind (user, room, all).',
      labelNames: ['event', 'target'],
      registers,
    }),
    deliveries: new Counter({
      name: `${PREFIX}deliveries_total`,
      help: 'Sockets on this node reached by live delivery from the event log (room sizes at delivery), by target kind.',
      labelNames: ['target'],
      registers,
    }),
    bytesOut: new Counter({
      name: `${PREFIX}bytes_out_total`,
      help: 'Bytes of Engine.IO packets queued for clients on this node (events, replays, heartbeats).',
      registers,
    }),
    replays: new Counter({
      name: `${PREFIX}replays_total`,
      help: 'Reconnecting clients that asked to resume, by outcome: replayed (caught up from the log) or resync (told to refetch).',
      labelNames: ['outcome'],
      registers,
    }),
    eventsReplayed: new Counter({
      name: `${PREFIX}events_replayed_total`,
      help: 'Events sent to reconnecting clients from the event log.',
      registers,
    }),
    slowConsumersCut: new Counter({
      name: `${PREFIX}slow_consumers_cut_total`,
      help: 'Connections closed as slow consumers, by reason: backlog, unsolicited_pong.',
      labelNames: ['reason'],
      registers,
    }),
    floodDisconnects: new Counter({
      name: `${PREFIX}flood_disconnects_total`,
      help: 'Connections closed for sending more than SOCKET_FLOOD_MAX_EVENTS packets per window.',
      registers,
    }),
    rateLimited: new Counter({
      name: `${PREFIX}rate_limited_total`,
      help: 'tRPC calls refused by a rate limit, by bucket: sender, recipient, lookup, rooms_created.',
      labelNames: ['bucket'],
      registers,
    }),
    redisErrors: new Counter({
      name: `${PREFIX}redis_errors_total`,
      help: 'Errors reported by the Redis connections of this node.',
      registers,
    }),
    redisCommandDuration: new Histogram({
      name: `${PREFIX}redis_command_duration_seconds`,
      help: 'Time from sending a Redis command to its reply, by command (EVALSHA, EVAL, GET, XADD, PUBLISH, ... or other); blocking reads are left out.',
      labelNames: ['command'],
      // Redis answers in well under a millisecond on a LAN: the buckets start at 100 µs.
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    redisCommandErrors: new Counter({
      name: `${PREFIX}redis_command_errors_total`,
      help: 'Redis commands that failed (error reply, connection lost, client offline), by command.',
      labelNames: ['command'],
      registers,
    }),
  };
}

const slot = processSlot<GatewayMetrics>('metrics');

/** The process's metrics (created on first use, shared by every module copy). */
export function getMetrics(): GatewayMetrics {
  return slot.getOrCreate(createMetrics);
}

/**
 * The `metrics.registry` option: the gateway's metrics (the `socket_gateway_*` ones, not the
 * process defaults) are also registered in `registry`, the app's own (for example prom-client's
 * global `register`), so one scrape serves both. They stay the process's one set (a metric
 * already registered there under the same name is left alone).
 * @see https://github.com/siimon/prom-client#multiple-registries
 */
export function exposeMetrics(registry: Registry, metrics: GatewayMetrics = getMetrics()): void {
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name } = metric as unknown as { name: string };
    if (name.startsWith(PREFIX) && !registry.getSingleMetric(name)) registry.registerMetric(metric as unknown as Metric);
  }
}

/** An event name as a label: one of the app's events or the library's, or "other" (the label set stays bounded). */
export function eventLabel(event: string, events: EventMap = {}): string {
  return isKnownEvent(events, event) ? event : 'other';
}
